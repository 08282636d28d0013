using RlhfPlatform.NativeSafety.Tests.IlScan;

namespace RlhfPlatform.NativeSafety.Tests;

/// <summary>
/// The Scalar rule, made permanent: the deny-list is derived from TorchSharp.dll's IL, and every src
/// assembly is scanned for calls into it, implicit numeric-to-Scalar conversions and Scalars that
/// nothing keeps alive. PLATFORM-NOTES ("TorchSharp Scalars") says why.
/// </summary>
public class ScalarRuleTests
{
    static readonly string TorchSharpPath = Path.Combine(AppContext.BaseDirectory, "TorchSharp.dll");
    static readonly Lazy<ScalarDenyList> DenyList = new(() => ScalarDenyList.Derive(TorchSharpPath));

    const string Tensor = "TorchSharp.torch/Tensor";

    [Theory]
    [InlineData(Tensor + "::add(" + Tensor + ")")]                       // add(target, 1)
    [InlineData(Tensor + "::add_(TorchSharp.Scalar)")]                   // add_(scalar, 1)
    [InlineData(Tensor + "::op_Addition(" + Tensor + ", " + Tensor + ")")] // through add(Tensor)
    [InlineData(Tensor + "::op_Multiply(" + Tensor + ", Double)")]
    [InlineData(Tensor + "::square()")]                                  // pow(2)
    [InlineData("TorchSharp.TensorExtensionMethods::ToDouble(" + Tensor + ")")] // ToScalar().ToDouble()
    [InlineData("TorchSharp.Modules.AdamW::step(System.Func`1<" + Tensor + ">)")]
    public void DenyListHoldsTheKnownUnsafeMembers(string member) =>
        Assert.True(DenyList.Value.Members.ContainsKey(member), $"{member} is not in the derived deny-list ({DenyList.Value.Members.Count} members)");

    [Theory]
    [InlineData(Tensor + "::add(" + Tensor + ", TorchSharp.Scalar)")]
    [InlineData(Tensor + "::add_(TorchSharp.Scalar, TorchSharp.Scalar)")]
    [InlineData(Tensor + "::mul(TorchSharp.Scalar)")]
    [InlineData(Tensor + "::masked_fill(" + Tensor + ", TorchSharp.Scalar)")]
    [InlineData(Tensor + "::op_Subtraction(" + Tensor + ", " + Tensor + ")")]
    [InlineData(Tensor + "::log_softmax(Int64, System.Nullable`1<TorchSharp.torch/ScalarType>)")]
    public void DenyListSparesMembersThatOnlyReadTheirArguments(string member)
    {
        Assert.False(DenyList.Value.Members.ContainsKey(member), $"{member} is denied: {DenyList.Value.Explain(member)}");
        Assert.Contains(AllTorchSharpMembers.Value, m => m == member); // the key names a real member, so the check means something
    }

    [Fact]
    public void AdamWIsADeniedType() =>
        Assert.True(DenyList.Value.Types.ContainsKey("TorchSharp.Modules.AdamW"));

    [Fact]
    public void ScannerFindsEveryKindOfViolation()
    {
        string self = typeof(ScalarRuleViolations).Assembly.Location;
        var violations = ScalarRuleScanner.Scan(self, DenyList.Value, type => type == typeof(ScalarRuleViolations).FullName);
        var flagged = violations.Select(v => v.Member.Split("::")[1].Split('(')[0]).Distinct().Order().ToArray();
        Assert.Equal(ScalarRuleViolations.Broken.Order().ToArray(), flagged);
        Assert.All(violations, v => Assert.Matches(@"ScalarRuleViolations\.cs:\d+$", v.Source));
    }

    [Fact]
    public void EveryTorchSharpMemberOurCodeCallsIsOneTheDenyListKnows()
    {
        // A call whose key matched no TorchSharp definition could never be found in the deny-list: the scan would be blind to it.
        var defined = new HashSet<string>(StringComparer.Ordinal);
        using (var torchSharp = new AssemblyIl(TorchSharpPath)) defined.UnionWith(torchSharp.AllMethodKeys());
        var called = SrcAssemblies().SelectMany(path =>
        {
            using var assembly = new AssemblyIl(path);
            return assembly.CalledKeys("TorchSharp.").ToList();
        }).Distinct().ToList();
        Assert.True(called.Count > 100, $"found only {called.Count} distinct TorchSharp members called from src: the call scan is not seeing them");
        var unknown = called.Where(k => !defined.Contains(k)).ToList();
        Assert.True(unknown.Count == 0, "calls the scan cannot match to TorchSharp.dll:\n" + string.Join("\n", unknown));
    }

    [Fact]
    public void NoSrcAssemblyBreaksTheScalarRule()
    {
        var assemblies = SrcAssemblies();
        var violations = assemblies.SelectMany(a => ScalarRuleScanner.Scan(a, DenyList.Value)).ToList();
        Assert.True(violations.Count == 0, $"{violations.Count} break the Scalar rule:\n" + string.Join("\n", violations));
    }

    static string[] SrcAssemblies()
    {
        string[] names = ["RlhfPlatform.Modeling", "RlhfPlatform.Training", "RlhfPlatform.Contracts", "RlhfPlatform.Storage",
                          "RlhfPlatform.Grains", "RlhfPlatform.Silo", "RlhfPlatform.AdminApi", "rlhf"];
        var assemblies = names.Select(n => Path.Combine(AppContext.BaseDirectory, n + ".dll")).ToArray();
        Assert.All(assemblies, a => Assert.True(File.Exists(a), $"{a} is missing: the scan would pass without looking at it"));
        return assemblies;
    }

    static readonly Lazy<HashSet<string>> AllTorchSharpMembers = new(() =>
    {
        using var torchSharp = new AssemblyIl(TorchSharpPath);
        return torchSharp.MethodsWithBodies().Select(m => m.Key).ToHashSet(StringComparer.Ordinal);
    });
}
