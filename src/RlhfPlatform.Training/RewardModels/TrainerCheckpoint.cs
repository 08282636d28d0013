using System.Text.Json;
using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Checkpoints;
using RlhfPlatform.Modeling.Optimization;
using static TorchSharp.torch;

namespace RlhfPlatform.Training.RewardModels;

/// <summary>
/// Saves and restores a <see cref="RewardModelTrainer"/>'s whole state in a folder:
///   model/model.safetensors      every weight of the reward model (backbone, LM head, reward head)
///   reference/model.safetensors  the frozen reference (grm-dpo only)
///   optimizer.safetensors  AdamW's moments (exp_avg.{i}, exp_avg_sq.{i}) and step count
///   trainer_state.json     step, data position (epoch, index; the order of an epoch is a function of
///                          seed and epoch), early-stopping state, and torch's global CPU RNG state
///                          (dropout of the mlp head), plus the objective and seed it must match.
/// Restore into a trainer built with the same model shape, objective, data, options and seed.
/// </summary>
public static class TrainerCheckpoint
{
    public const string StateFile = "trainer_state.json";
    const string ModelFolder = "model";
    const string ReferenceFolder = "reference";
    const string OptimizerFile = AdamW.StateFileName;
    const string LegacyOptimizerFile = "optimizer.bin";

    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    sealed record State(string Objective, int Seed, int Step, int TotalSteps, int Epoch, int Position,
        string? EarlyStopMetric, double? EarlyStopBest, int EarlyStopSinceBest, string TorchRngState);

    public static void Save(RewardModelTrainer trainer, string folder)
    {
        Directory.CreateDirectory(folder);
        WriteWeights(trainer.Model, Path.Combine(folder, ModelFolder));
        if (trainer.Reference is RewardModel reference) WriteWeights(reference, Path.Combine(folder, ReferenceFolder));
        trainer.Optimizer.Save(Path.Combine(folder, OptimizerFile));
        using var rng = get_rng_state();
        var state = new State(trainer.Objective.Name, trainer.Seed, trainer.StepsDone, trainer.TotalSteps, trainer.Order.Epoch, trainer.Order.Position,
            trainer.EarlyStop?.Metric, trainer.EarlyStop?.Best, trainer.EarlyStop?.EvaluationsSinceBest ?? 0,
            Convert.ToBase64String(rng.data<byte>().ToArray()));
        File.WriteAllText(Path.Combine(folder, StateFile), JsonSerializer.Serialize(state, Json));
    }

    public static bool Exists(string folder) => File.Exists(Path.Combine(folder, StateFile));

    /// <summary>Loads the folder's state into the trainer; refuses a checkpoint of another objective, seed or length.</summary>
    public static void Restore(RewardModelTrainer trainer, string folder)
    {
        string statePath = Path.Combine(folder, StateFile);
        if (!File.Exists(statePath)) throw new FileNotFoundException($"no {StateFile} in trainer checkpoint {folder}", statePath);
        var state = JsonSerializer.Deserialize<State>(File.ReadAllText(statePath), Json)
            ?? throw new InvalidDataException($"{statePath} is empty");
        if (state.Objective != trainer.Objective.Name || state.Seed != trainer.Seed || state.TotalSteps != trainer.TotalSteps)
            throw new InvalidDataException($"{statePath} belongs to another training ({state.Objective}, seed {state.Seed}, {state.TotalSteps} steps), " +
                                           $"not this one ({trainer.Objective.Name}, seed {trainer.Seed}, {trainer.TotalSteps} steps)");
        if (!File.Exists(Path.Combine(folder, OptimizerFile)) && File.Exists(Path.Combine(folder, LegacyOptimizerFile)))
            throw new InvalidDataException($"trainer checkpoint {folder} was written by an older version (TorchSharp's {LegacyOptimizerFile}), " +
                                           "which this one cannot resume: start the training again in a new folder");
        ModelCheckpoint.LoadWeights(trainer.Model, Path.Combine(folder, ModelFolder));
        if (trainer.Reference is RewardModel reference) ModelCheckpoint.LoadWeights(reference, Path.Combine(folder, ReferenceFolder));
        trainer.Optimizer.Load(Path.Combine(folder, OptimizerFile));
        trainer.Order.Restore(state.Epoch, state.Position);
        trainer.StepsDone = state.Step;
        trainer.EarlyStop?.Restore(state.EarlyStopBest, state.EarlyStopSinceBest);
        using var rng = tensor(Convert.FromBase64String(state.TorchRngState));
        set_rng_state(rng);
    }

    static void WriteWeights(nn.Module model, string folder)
    {
        Directory.CreateDirectory(folder);
        SafeTensors.Write(Path.Combine(folder, WeightFiles.SingleFileName), model.state_dict().Select(kv => (kv.Key, kv.Value)));
    }
}
