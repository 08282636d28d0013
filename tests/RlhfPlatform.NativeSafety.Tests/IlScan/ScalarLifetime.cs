using System.Reflection.Emit;

namespace RlhfPlatform.NativeSafety.Tests.IlScan;

/// <summary>
/// Finds the places in one method body where a fresh TorchSharp Scalar is made and then handed on
/// without anything keeping it alive. A Scalar is kept alive when it is stored in a field, or stored
/// in a local that the method later disposes (`using var`) or passes to GC.KeepAlive; a Scalar the
/// method returns is its caller's to keep. Anything else — passed straight to a call, the common
/// case of an implicit conversion — can be finalized while native code still reads its handle.
/// </summary>
public static class ScalarLifetime
{
    public const string ScalarType = "TorchSharp.Scalar";

    public sealed record Creation(int Offset, string Producer);

    public static List<Creation> UnkeptCreations(AssemblyIl assembly, IReadOnlyList<IlInstruction> code)
    {
        var found = new List<Creation>();
        for (int i = 0; i < code.Count; i++)
        {
            if (!code[i].IsCall || code[i].OpCode == OpCodes.Ldftn || code[i].OpCode == OpCodes.Ldvirtftn) continue;
            if (Producer(assembly, code[i]) is not { } producer) continue;
            var next = NextReal(code, i);
            if (next is null) continue;
            if (next.Value.StoresField || next.Value.OpCode == OpCodes.Ret) continue;
            if (next.Value.StoredLocal is var local and >= 0 && IsDisposedOrKeptAlive(assembly, code, local)) continue;
            found.Add(new Creation(code[i].Offset, producer));
        }
        return found;
    }

    /// <summary>The key of the call when it yields a new Scalar (a method returning Scalar, or Scalar's constructor).</summary>
    static string? Producer(AssemblyIl assembly, IlInstruction call)
    {
        if (MethodKeys.OfOperand(assembly.Metadata, call.Handle) is not { } target) return null;
        bool creates = call.OpCode == OpCodes.Newobj
            ? target.DeclaringType == ScalarType
            : MethodKeys.ReturnType(assembly.Metadata, call.Handle) == ScalarType;
        return creates ? target.Key : null;
    }

    static IlInstruction? NextReal(IReadOnlyList<IlInstruction> code, int i)
    {
        for (int j = i + 1; j < code.Count; j++)
            if (code[j].OpCode != OpCodes.Nop) return code[j];
        return null;
    }

    static bool IsDisposedOrKeptAlive(AssemblyIl assembly, IReadOnlyList<IlInstruction> code, int local)
    {
        for (int j = 0; j + 1 < code.Count; j++)
        {
            if (code[j].LoadedLocal != local || !code[j + 1].IsCall) continue;
            var target = MethodKeys.OfOperand(assembly.Metadata, code[j + 1].Handle);
            if (target is { Key: var key } && (key.Contains("::Dispose()", StringComparison.Ordinal) || key.StartsWith("System.GC::KeepAlive(", StringComparison.Ordinal)))
                return true;
        }
        return false;
    }
}
