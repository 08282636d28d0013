namespace RlhfPlatform.NativeSafety.Tests.IlScan;

/// <summary>
/// The TorchSharp members that are unsafe to call, derived from TorchSharp.dll's IL rather than
/// written by hand: a member is denied when its body makes a Scalar it does not keep alive (see
/// <see cref="ScalarLifetime"/>), when it calls or makes a delegate of a denied member, and a type
/// is denied when one of its virtual methods is (calling `step` through the base Optimizer still
/// runs AdamW's). Each entry says why, down to the Scalar that is dropped.
/// </summary>
public sealed class ScalarDenyList
{
    public IReadOnlyDictionary<string, string> Members { get; }
    public IReadOnlyDictionary<string, string> Types { get; }

    ScalarDenyList(Dictionary<string, string> members, Dictionary<string, string> types) => (Members, Types) = (members, types);

    public static ScalarDenyList Derive(string torchSharpPath)
    {
        using var assembly = new AssemblyIl(torchSharpPath);
        var methods = assembly.MethodsWithBodies().ToList();
        var denied = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var method in methods)
            if (ScalarLifetime.UnkeptCreations(assembly, method.Instructions) is [var first, ..])
                denied.TryAdd(method.Key, $"drops the Scalar from {first.Producer}");

        var callees = methods.ToDictionary(m => m, m => m.Instructions.Where(i => i.IsCall)
            .Select(i => MethodKeys.OfOperand(assembly.Metadata, i.Handle)?.Key).OfType<string>().Distinct().ToArray());
        for (bool changed = true; changed;)
        {
            changed = false;
            foreach (var method in methods)
            {
                if (denied.ContainsKey(method.Key)) continue;
                if (callees[method].FirstOrDefault(denied.ContainsKey) is { } callee)
                {
                    denied[method.Key] = $"calls {callee}";
                    changed = true;
                }
            }
        }

        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var method in methods)
            if (method.IsVirtual && denied.ContainsKey(method.Key)) types.TryAdd(method.DeclaringType, $"its {method.Key} is denied");
        return new ScalarDenyList(denied, types);
    }

    /// <summary>Why a member is denied, following "calls X" links down to the member that drops a Scalar.</summary>
    public string Explain(string key)
    {
        var chain = new List<string>();
        for (string? current = key; current != null && Members.TryGetValue(current, out var reason) && chain.Count < 8;)
        {
            chain.Add(reason);
            current = reason.StartsWith("calls ", StringComparison.Ordinal) ? reason["calls ".Length..] : null;
        }
        return string.Join(" → ", chain);
    }
}
