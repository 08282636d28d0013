using System.Text.Json;
using System.Text.Json.Serialization;
using NJsonSchema;

namespace RlhfPlatform.Contracts;

/// <summary>A run spec that failed validation; Message names every problem found.</summary>
public sealed class RunSpecException(string message) : Exception(message);

/// <summary>Parses and validates run specs: JSON schema first (shape), then rules the schema cannot say.</summary>
public static class RunSpecParser
{
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    static readonly Lazy<JsonSchema> Schema = new(LoadSchema);

    public static string SchemaJson
    {
        get
        {
            using var stream = typeof(RunSpecParser).Assembly.GetManifestResourceStream("run-spec.schema.json")
                ?? throw new InvalidOperationException("run-spec.schema.json is not embedded in RlhfPlatform.Contracts");
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
    }

    /// <summary>
    /// Parses spec JSON. Data and model paths may be plain paths or file: URIs; relative ones resolve
    /// against <paramref name="baseDirectory"/> (else the first data root). With <paramref name="roots"/>,
    /// a path outside them is refused before anything looks at it.
    /// </summary>
    public static RunSpec Parse(string json, string? baseDirectory = null, DataRoots? roots = null)
    {
        RequireSchema(Schema.Value, json, "run spec");

        RunSpec spec = JsonSerializer.Deserialize<RunSpec>(json, JsonOptions)
            ?? throw new RunSpecException("run spec is empty (null)");
        var problems = new List<string>();
        using (var document = JsonDocument.Parse(json))
            JudgeRules.Check(spec, document.RootElement, problems);
        // One target length downstream: a synthetic judge's own one replaces the task's.
        if (spec.Evaluation.Judge is { Kind: JudgeSpec.SyntheticLengthKind, TargetLength: { } target })
            spec = spec with { Task = spec.Task with { TargetLength = target } };
        spec = ResolvePaths(spec, baseDirectory ?? roots?.Roots.FirstOrDefault());
        if (roots != null)
        {
            var refused = PathFields(spec).Where(f => !DataUri.IsBlob(f.Path) && !roots.Allows(f.Path)).Select(f => DataRoots.Refusal(f.Field)).ToList();
            if (refused.Count > 0) throw new RunSpecException("run spec is invalid: " + string.Join("; ", refused));
        }
        foreach (var (field, path) in PathFields(spec))
            if (DataUri.IsBlob(path) && DataUri.TryParse(path) == null)
                problems.Add($"{field}: a blob: URI must read blob:data/NAME/VERSION[/FILE], as `rlhf data push` prints");
        return CheckRules(spec, problems);
    }

    public static string ToJson(RunSpec spec) => JsonSerializer.Serialize(spec, JsonOptions);

    static RunSpec ResolvePaths(RunSpec spec, string? baseDirectory) => MapPaths(spec, path =>
    {
        string? local = DataRoots.LocalPath(path);
        return local == null || baseDirectory == null || DataUri.IsBlob(local) || local.Contains("://", StringComparison.Ordinal)
            ? local : Path.GetFullPath(local, baseDirectory);
    });

    /// <summary>Every data or model path the spec names, with its field.</summary>
    public static IEnumerable<(string Field, string Path)> PathFields(RunSpec spec)
    {
        var fields = new List<(string, string)>();
        MapPaths(spec, path => path, (field, path) => fields.Add((field, path)));
        return fields;
    }

    /// <summary>The spec with every data or model path replaced by <paramref name="map"/>'s answer.</summary>
    public static RunSpec MapPaths(RunSpec spec, Func<string?, string?> map, Action<string, string>? visit = null)
    {
        string? Map(string field, string? path)
        {
            if (path != null) visit?.Invoke(field, path);
            return map(path);
        }
        return spec with
        {
            Policy = spec.Policy with { Base = Map("policy.base", spec.Policy.Base), Sft = spec.Policy.Sft with { Data = Map("policy.sft.data", spec.Policy.Sft.Data) } },
            RewardModel = spec.RewardModel with
            {
                Data = Map("rewardModel.data", spec.RewardModel.Data),
                Base = Map("rewardModel.base", spec.RewardModel.Base),
                EvalData = spec.RewardModel.EvalData?.ToDictionary(e => e.Key, e => Map($"rewardModel.evalData.{e.Key}", e.Value)!),
            },
            Prompts = spec.Prompts with { Train = Map("prompts.train", spec.Prompts.Train), Eval = Map("prompts.eval", spec.Prompts.Eval) },
            Evaluation = spec.Evaluation.Judge is { Model: not null } judge
                ? spec.Evaluation with { Judge = judge with { Model = Map("evaluation.judge.model", judge.Model) } }
                : spec.Evaluation,
        };
    }

    static RunSpec CheckRules(RunSpec spec, List<string> problems)
    {
        CheckModel("policy.model", spec.Policy.Model, problems);
        CheckModel("rewardModel.model", spec.RewardModel.Model, problems);
        CheckFile("policy.sft.data", spec.Policy.Sft.Data, problems);
        CheckFile("rewardModel.data", spec.RewardModel.Data, problems);
        CheckFile("prompts.train", spec.Prompts.Train, problems);
        CheckFile("prompts.eval", spec.Prompts.Eval, problems);
        foreach (var (name, path) in spec.RewardModel.EvalData ?? [])
            CheckFile($"rewardModel.evalData.{name}", path, problems);
        CheckFolder("policy.base", spec.Policy.Base, problems);
        CheckFolder("rewardModel.base", spec.RewardModel.Base, problems);
        CheckFolder("evaluation.judge.model", spec.Evaluation.Judge?.Model, problems);
        int longest = spec.Task.TargetLength * 3 + 16;
        CheckTrainingDtype("policy.dtype", spec.Policy.Dtype, problems);
        CheckTrainingDtype("rewardModel.dtype", spec.RewardModel.Dtype, problems);
        // A base model's context is checked against its config.json at submission (RunInputs), not here.
        if (spec.Rollout.Generators > spec.Rl.PromptsPerStep)
            problems.Add($"rollout.generators ({spec.Rollout.Generators}) must not exceed rl.promptsPerStep ({spec.Rl.PromptsPerStep}): each generator takes at least one prompt");
        if (spec.Policy.Base == null && spec.Rl.MaxNewTokens + 16 > spec.Policy.Model.MaxSeqLen)
            problems.Add($"rl.maxNewTokens ({spec.Rl.MaxNewTokens}) plus a prompt must fit policy.model.maxSeqLen ({spec.Policy.Model.MaxSeqLen})");
        if (spec.Policy.Base == null && spec.Evaluation.MaxNewTokens + 16 > spec.Policy.Model.MaxSeqLen)
            problems.Add($"evaluation.maxNewTokens ({spec.Evaluation.MaxNewTokens}) plus a prompt must fit policy.model.maxSeqLen ({spec.Policy.Model.MaxSeqLen})");
        if (longest > spec.RewardModel.Model.MaxSeqLen && spec.RewardModel.Data == null)
            problems.Add($"rewardModel.model.maxSeqLen ({spec.RewardModel.Model.MaxSeqLen}) is too short for task.targetLength {spec.Task.TargetLength} (needs {longest})");
        if (problems.Count > 0)
            throw new RunSpecException("run spec is invalid: " + string.Join("; ", problems));
        return spec;
    }

    /// <summary>
    /// float16 trains only with loss scaling (its gradients underflow below 6e-8), which this platform
    /// does not do; bfloat16 has float32's range and needs none.
    /// </summary>
    static void CheckTrainingDtype(string path, string dtype, List<string> problems)
    {
        if (dtype == "float16")
            problems.Add($"{path}: float16 training needs loss scaling, which is not implemented; use bfloat16 (same memory, float32's range)");
    }

    static void CheckModel(string path, ModelSpec model, List<string> problems)
    {
        if (model.Dim % model.Heads != 0)
            problems.Add($"{path}.dim ({model.Dim}) must be divisible by {path}.heads ({model.Heads})");
        if ((model.Dim / Math.Max(1, model.Heads)) % 2 != 0)
            problems.Add($"{path}: head size dim/heads must be even (rotary embeddings)");
    }

    static void CheckFile(string path, string? file, List<string> problems)
    {
        if (file != null && !DataUri.IsBlob(file) && !File.Exists(file))
            problems.Add($"{path}: data file not found: {file}");
    }

    static void CheckFolder(string path, string? folder, List<string> problems)
    {
        if (folder != null && !DataUri.IsBlob(folder) && !Directory.Exists(folder))
            problems.Add($"{path}: model folder not found: {folder}");
    }

    /// <summary>Refuses <paramref name="json"/> that is not JSON or does not match <paramref name="schema"/>, naming every mismatch.</summary>
    internal static void RequireSchema(JsonSchema schema, string json, string what)
    {
        ICollection<NJsonSchema.Validation.ValidationError> errors;
        try
        {
            errors = schema.Validate(json);
        }
        catch (Exception e) when (e is JsonException or Newtonsoft.Json.JsonException)
        {
            throw new RunSpecException($"{what} is not valid JSON: {e.Message}");
        }
        if (errors.Count > 0)
            throw new RunSpecException($"{what} does not match the schema: " + string.Join("; ", errors.Select(Describe)));
    }

    static string Describe(NJsonSchema.Validation.ValidationError error)
    {
        string where = string.IsNullOrEmpty(error.Path) || error.Path == "#" ? "(root)" : error.Path.TrimStart('#', '/').Replace('/', '.');
        return error.Kind switch
        {
            NJsonSchema.Validation.ValidationErrorKind.NoAdditionalPropertiesAllowed => $"{where}: unknown property",
            NJsonSchema.Validation.ValidationErrorKind.NotInEnumeration when error.Schema?.Enumeration.Count > 0 =>
                $"{where}: must be one of {string.Join(", ", error.Schema.Enumeration.Select(v => v?.ToString() ?? "null"))}",
            _ => $"{where}: {error.Kind}",
        };
    }

    static JsonSchema LoadSchema() => JsonSchema.FromJsonAsync(SchemaJson).GetAwaiter().GetResult();
}
