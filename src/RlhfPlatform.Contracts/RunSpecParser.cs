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

    /// <summary>Parses spec JSON. Relative data paths resolve against <paramref name="baseDirectory"/>.</summary>
    public static RunSpec Parse(string json, string? baseDirectory = null)
    {
        ICollection<NJsonSchema.Validation.ValidationError> errors;
        try
        {
            errors = Schema.Value.Validate(json);
        }
        catch (Exception e) when (e is JsonException or Newtonsoft.Json.JsonException)
        {
            throw new RunSpecException($"run spec is not valid JSON: {e.Message}");
        }
        if (errors.Count > 0)
            throw new RunSpecException("run spec does not match the schema: " + string.Join("; ", errors.Select(Describe)));

        RunSpec spec = JsonSerializer.Deserialize<RunSpec>(json, JsonOptions)
            ?? throw new RunSpecException("run spec is empty (null)");
        var problems = new List<string>();
        using (var document = JsonDocument.Parse(json))
            JudgeRules.Check(spec, document.RootElement, problems);
        // One target length downstream: a synthetic judge's own one replaces the task's.
        if (spec.Evaluation.Judge is { Kind: JudgeSpec.SyntheticLengthKind, TargetLength: { } target })
            spec = spec with { Task = spec.Task with { TargetLength = target } };
        return CheckRules(ResolvePaths(spec, baseDirectory), problems);
    }

    public static string ToJson(RunSpec spec) => JsonSerializer.Serialize(spec, JsonOptions);

    static RunSpec ResolvePaths(RunSpec spec, string? baseDirectory)
    {
        if (baseDirectory == null) return spec;
        string? Resolve(string? path) => path == null ? null : Path.GetFullPath(path, baseDirectory);
        return spec with
        {
            Policy = spec.Policy with { Base = Resolve(spec.Policy.Base), Sft = spec.Policy.Sft with { Data = Resolve(spec.Policy.Sft.Data) } },
            RewardModel = spec.RewardModel with
            {
                Data = Resolve(spec.RewardModel.Data),
                Base = Resolve(spec.RewardModel.Base),
                EvalData = spec.RewardModel.EvalData?.ToDictionary(e => e.Key, e => Resolve(e.Value)!),
            },
            Prompts = spec.Prompts with { Train = Resolve(spec.Prompts.Train), Eval = Resolve(spec.Prompts.Eval) },
            Evaluation = spec.Evaluation.Judge is { Model: not null } judge
                ? spec.Evaluation with { Judge = judge with { Model = Resolve(judge.Model) } }
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
        // A base model's context is checked against its config.json at submission (RunInputs), not here.
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

    static void CheckModel(string path, ModelSpec model, List<string> problems)
    {
        if (model.Dim % model.Heads != 0)
            problems.Add($"{path}.dim ({model.Dim}) must be divisible by {path}.heads ({model.Heads})");
        if ((model.Dim / Math.Max(1, model.Heads)) % 2 != 0)
            problems.Add($"{path}: head size dim/heads must be even (rotary embeddings)");
    }

    static void CheckFile(string path, string? file, List<string> problems)
    {
        if (file != null && !File.Exists(file))
            problems.Add($"{path}: data file not found: {file}");
    }

    static void CheckFolder(string path, string? folder, List<string> problems)
    {
        if (folder != null && !Directory.Exists(folder))
            problems.Add($"{path}: model folder not found: {folder}");
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
