using System.Reflection.Emit;

namespace RlhfPlatform.NativeSafety.Tests.IlScan;

/// <summary>
/// Checks one of our assemblies against the Scalar rule: no implicit numeric-to-Scalar conversion,
/// no Scalar made and passed on without being kept alive, no call into a denied TorchSharp member
/// and no instance of a denied TorchSharp type. Each violation names the source line and member.
/// </summary>
public static class ScalarRuleScanner
{
    public sealed record Violation(string Source, string Member, string Problem)
    {
        public override string ToString() => $"{Source} in {Member}: {Problem}";
    }

    public static List<Violation> Scan(string assemblyPath, ScalarDenyList denyList, Func<string, bool>? declaringTypeFilter = null)
    {
        using var assembly = new AssemblyIl(assemblyPath);
        var violations = new List<Violation>();
        foreach (var method in assembly.MethodsWithBodies())
        {
            if (declaringTypeFilter != null && !declaringTypeFilter(method.DeclaringType)) continue;
            void Add(int offset, string problem) =>
                violations.Add(new Violation(assembly.SourceOf(method.Handle, offset), method.Key, problem));

            foreach (var creation in ScalarLifetime.UnkeptCreations(assembly, method.Instructions))
                if (!creation.Producer.Contains("::op_Implicit(", StringComparison.Ordinal)) // reported as an implicit conversion below
                    Add(creation.Offset, $"{creation.Producer} makes a Scalar that nothing keeps alive (use a static Scalar or `using var`)");

            foreach (var instruction in method.Instructions.Where(i => i.IsCall))
            {
                if (MethodKeys.OfOperand(assembly.Metadata, instruction.Handle) is not { } target) continue;
                if (target.DeclaringType == ScalarLifetime.ScalarType && target.Key.Contains("::op_Implicit(", StringComparison.Ordinal))
                    Add(instruction.Offset, $"implicit conversion {target.Key}");
                else if (denyList.Members.ContainsKey(target.Key))
                    Add(instruction.Offset, $"calls {target.Key}, which {denyList.Explain(target.Key)}");
                else if (MadeType(assembly, instruction, target) is { } type && denyList.Types.TryGetValue(type, out var why))
                    Add(instruction.Offset, $"makes a {type}: {why}");
            }
        }
        return violations;
    }

    /// <summary>The TorchSharp type a constructor call or a TorchSharp factory (such as optim.AdamW(...)) yields.</summary>
    static string? MadeType(AssemblyIl assembly, IlInstruction instruction, (string Key, string DeclaringType) target) =>
        instruction.OpCode == OpCodes.Newobj ? target.DeclaringType
        : instruction.OpCode == OpCodes.Ldftn || instruction.OpCode == OpCodes.Ldvirtftn ? null
        : target.DeclaringType.StartsWith("TorchSharp.", StringComparison.Ordinal) ? MethodKeys.ReturnType(assembly.Metadata, instruction.Handle)
        : null;
}
