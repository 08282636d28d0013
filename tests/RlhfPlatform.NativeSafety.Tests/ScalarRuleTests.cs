using RlhfPlatform.NativeSafety.Tests.IlScan;

namespace RlhfPlatform.NativeSafety.Tests;

/// <summary>
/// The Scalar rule, made permanent: the deny-list is derived from TorchSharp.dll's IL, and every src
/// assembly is scanned for calls into it, implicit numeric-to-Scalar conversions and Scalars that
/// nothing keeps alive. PLATFORM-NOTES ("TorchSharp Scalars") says why.
/// </summary>
public class ScalarRuleTests
{
    static readonly Lazy<ScalarDenyList> DenyList = new(() => ScalarDenyList.Derive(Path.Combine(AppContext.BaseDirectory, "TorchSharp.dll")));

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
    public void NoSrcAssemblyBreaksTheScalarRule()
    {
        string[] names = ["RlhfPlatform.Modeling", "RlhfPlatform.Training", "RlhfPlatform.Contracts", "RlhfPlatform.Storage",
                          "RlhfPlatform.Grains", "RlhfPlatform.Silo", "RlhfPlatform.AdminApi", "rlhf"];
        var assemblies = names.Select(n => Path.Combine(AppContext.BaseDirectory, n + ".dll")).ToArray();
        Assert.All(assemblies, a => Assert.True(File.Exists(a), $"{a} is missing: the scan would pass without looking at it"));
        var violations = assemblies.SelectMany(a => ScalarRuleScanner.Scan(a, DenyList.Value)).ToList();
        Assert.True(violations.Count == 0, $"{violations.Count} break the Scalar rule:\n" + string.Join("\n", violations));
    }

    static readonly Lazy<HashSet<string>> AllTorchSharpMembers = new(() =>
    {
        using var torchSharp = new AssemblyIl(Path.Combine(AppContext.BaseDirectory, "TorchSharp.dll"));
        return torchSharp.MethodsWithBodies().Select(m => m.Key).ToHashSet(StringComparer.Ordinal);
    });
}
