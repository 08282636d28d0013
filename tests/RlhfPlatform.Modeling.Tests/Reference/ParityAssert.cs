namespace RlhfPlatform.Modeling.Tests.Reference;

/// <summary>Collects every mismatch of a comparison and fails once, listing them all.</summary>
sealed class ParityAssert(string what)
{
    readonly List<string> mismatches = [];
    int compared;

    public void Equal<T>(string label, IReadOnlyList<T> expected, IReadOnlyList<T> actual)
    {
        compared++;
        if (!expected.SequenceEqual(actual))
            mismatches.Add($"{label}\n    reference: [{string.Join(", ", expected)}]\n    ours:      [{string.Join(", ", actual)}]");
    }

    public void Equal(string label, string expected, string actual)
    {
        compared++;
        if (expected != actual) mismatches.Add($"{label}\n    reference: {Show(expected)}\n    ours:      {Show(actual)}");
    }

    public void Fail(string label, string detail)
    {
        compared++;
        mismatches.Add($"{label}: {detail}");
    }

    public void Check() => Assert.True(mismatches.Count == 0,
        $"{what}: {mismatches.Count} of {compared} differ from the reference\n" + string.Join("\n", mismatches));

    public static string Show(string text) => System.Text.Json.JsonSerializer.Serialize(text,
        new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
}
