using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;

namespace RlhfPlatform.NativeSafety.Tests.IlScan;

/// <summary>One decoded IL instruction: its opcode and, for token and local-variable operands, the operand.</summary>
public readonly record struct IlInstruction(int Offset, OpCode OpCode, int Token, int Local)
{
    public bool IsCall => OpCode == OpCodes.Call || OpCode == OpCodes.Callvirt || OpCode == OpCodes.Newobj
                          || OpCode == OpCodes.Ldftn || OpCode == OpCodes.Ldvirtftn;

    /// <summary>The local slot a ldloc form reads, or -1.</summary>
    public int LoadedLocal =>
        OpCode == OpCodes.Ldloc_0 ? 0 : OpCode == OpCodes.Ldloc_1 ? 1 : OpCode == OpCodes.Ldloc_2 ? 2 : OpCode == OpCodes.Ldloc_3 ? 3
        : OpCode == OpCodes.Ldloc_S || OpCode == OpCodes.Ldloc ? Local : -1;

    /// <summary>The local slot a stloc form writes, or -1.</summary>
    public int StoredLocal =>
        OpCode == OpCodes.Stloc_0 ? 0 : OpCode == OpCodes.Stloc_1 ? 1 : OpCode == OpCodes.Stloc_2 ? 2 : OpCode == OpCodes.Stloc_3 ? 3
        : OpCode == OpCodes.Stloc_S || OpCode == OpCodes.Stloc ? Local : -1;

    public bool StoresField => OpCode == OpCodes.Stsfld || OpCode == OpCodes.Stfld;

    public EntityHandle Handle => MetadataTokens.EntityHandle(Token);
}

/// <summary>Decodes a method body's IL into instructions (ECMA-335 III), using the runtime's own opcode table.</summary>
public static class IlDecoder
{
    static readonly OpCode[] OneByte = new OpCode[256];
    static readonly OpCode[] TwoByte = new OpCode[256];

    static IlDecoder()
    {
        foreach (var field in typeof(OpCodes).GetFields())
        {
            if (field.GetValue(null) is not OpCode op) continue;
            ushort value = unchecked((ushort)op.Value);
            if (op.Size == 1) OneByte[value] = op;
            else TwoByte[value & 0xff] = op;
        }
    }

    public static List<IlInstruction> Decode(MethodBodyBlock body)
    {
        var reader = body.GetILReader();
        var instructions = new List<IlInstruction>();
        while (reader.RemainingBytes > 0)
        {
            int offset = reader.Offset;
            byte first = reader.ReadByte();
            var op = first == 0xFE ? TwoByte[reader.ReadByte()] : OneByte[first];
            int token = 0, local = -1;
            switch (op.OperandType)
            {
                case OperandType.InlineNone: break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI: reader.ReadByte(); break;
                case OperandType.ShortInlineVar: local = reader.ReadByte(); break;
                case OperandType.InlineVar: local = reader.ReadUInt16(); break;
                case OperandType.InlineI or OperandType.InlineBrTarget or OperandType.ShortInlineR: reader.ReadInt32(); break;
                case OperandType.InlineI8 or OperandType.InlineR: reader.ReadInt64(); break;
                case OperandType.InlineSwitch: int n = reader.ReadInt32(); reader.Offset += 4 * n; break;
                case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineSig or OperandType.InlineString
                    or OperandType.InlineTok or OperandType.InlineType:
                    token = reader.ReadInt32(); break;
                default: throw new InvalidDataException($"IL opcode {op.Name} has an operand type this decoder does not know ({op.OperandType})");
            }
            instructions.Add(new IlInstruction(offset, op, token, local));
        }
        return instructions;
    }
}
