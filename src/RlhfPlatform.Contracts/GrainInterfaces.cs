namespace RlhfPlatform.Contracts;

// One grain per role (DESIGN.md). Long work never runs inside one call: Start* returns at once and
// the caller polls the job's progress; every other call is short.
//
// The calls of one RL step (BeginRl, Generate, Score, Update) each do seconds of tensor work, but on
// a device's single compute queue they wait behind every other run's jobs: with 8 runs on 2 busy
// cores that wait passed Orleans' default 30 s and failed runs. Their timeout bounds a hang, not the
// queue: RlStepCall.Timeout.

/// <summary>
/// Checks what a spec names on the silo that will read it (model folders, judge, prompt and data files)
/// before a run is recorded: the problems found, empty when the spec can run. Stateless; key 0.
/// </summary>
[Alias("rlhf.IRunInputsGrain")]
public interface IRunInputsGrain : IGrainWithIntegerKey
{
    [Alias("Check")] Task<string[]> Check(RunSpec spec);
}

/// <summary>The cluster's silos, what each advertises, and the run grains each hosts. Stateless; key 0.</summary>
[Alias("rlhf.IClusterViewGrain")]
public interface IClusterViewGrain : IGrainWithIntegerKey
{
    [Alias("Get")] Task<ClusterView> Get();
}

/// <summary>The run's orchestrator: walks the stages and drives the RL loop. Key: run id.</summary>
[Alias("rlhf.IRunGrain")]
public interface IRunGrain : IGrainWithStringKey
{
    /// <summary>Starts (or resumes) the run recorded in the run store. Idempotent.</summary>
    [Alias("Start")] Task Start();
    [Alias("GetProgress")] Task<RunProgress> GetProgress();
    /// <summary>False if the run had already ended.</summary>
    [Alias("Cancel")] Task<bool> Cancel();
}

/// <summary>Trains one reward model. Key: "{run}/{rm name}".</summary>
[Alias("rlhf.IRewardModelTrainerGrain")]
public interface IRewardModelTrainerGrain : IGrainWithStringKey
{
    [Alias("Start")] Task Start(RunSpec spec);
    [Alias("GetProgress")] Task<JobProgress> GetProgress();
    [Alias("Cancel")] Task Cancel();
}

/// <summary>Scores rollouts with a committed reward-model checkpoint. Key: "{run}/{kind}/{version}".</summary>
[Alias("rlhf.IRewardScorerGrain")]
public interface IRewardScorerGrain : IGrainWithStringKey
{
    [Alias("Score"), ResponseTimeout(RlStepCall.Timeout)] Task<float[]> Score(int[][] prompts, int[][] responses);
}

/// <summary>Holds a policy version and the reference; samples with the KV cache. Key: "{run}/{shard}".</summary>
[Alias("rlhf.IRolloutGeneratorGrain")]
public interface IRolloutGeneratorGrain : IGrainWithStringKey
{
    [Alias("Generate"), ResponseTimeout(RlStepCall.Timeout)] Task<RolloutBatch> Generate(RolloutRequest request);
}

/// <summary>SFT of the starting policy, then RL updates from scored rollouts; publishes policy versions. Key: run id.</summary>
[Alias("rlhf.IPolicyTrainerGrain")]
public interface IPolicyTrainerGrain : IGrainWithStringKey
{
    [Alias("StartSft")] Task StartSft(RunSpec spec);
    [Alias("GetSftProgress")] Task<JobProgress> GetSftProgress();
    [Alias("CancelSft")] Task CancelSft();
    /// <summary>
    /// Loads the policy version to continue RL from and returns it: <paramref name="fromVersion"/> when this
    /// activation holds it intact (it is committed first), otherwise the newest committed version, which is
    /// older than <paramref name="fromVersion"/> when that one fell between two checkpoints (rl.checkpointEvery).
    /// </summary>
    [Alias("BeginRl"), ResponseTimeout(RlStepCall.Timeout)] Task<int> BeginRl(RunSpec spec, int fromVersion);
    /// <summary>One update from scored rollouts. The step's metrics (the update's and <paramref name="rolloutMetrics"/>)
    /// are recorded before the new version is committed, so a resumed run never misses a step's rows.</summary>
    [Alias("Update"), ResponseTimeout(RlStepCall.Timeout)] Task<PolicyUpdate> Update(RolloutBatch batch, float[] rewards, Dictionary<string, double> rolloutMetrics);
    /// <summary>Commits <paramref name="version"/> with its trainer state if this trainer holds it uncommitted; a committed version is left as it is.</summary>
    [Alias("Commit"), ResponseTimeout(RlStepCall.Timeout)] Task Commit(int version);
}

/// <summary>Evaluates a policy version against the reference on held-out prompts, as a background job. Key: run id.</summary>
[Alias("rlhf.IEvaluatorGrain")]
public interface IEvaluatorGrain : IGrainWithStringKey
{
    [Alias("Start")] Task Start(RunSpec spec, int policyVersion, int referenceVersion, CheckpointRef rewardModel);
    [Alias("GetProgress")] Task<EvaluationProgress> GetProgress();
    [Alias("Cancel")] Task Cancel();
}

/// <summary>The response timeout of the calls an RL step makes (see the note at the top of this file).</summary>
public static class RlStepCall
{
    public const string Timeout = "00:10:00";
}
