namespace RlhfPlatform.Contracts;

/// <summary>A run as the run store records it.</summary>
[GenerateSerializer, Alias("rlhf.RunRecord")]
public sealed record RunRecord(
    string RunId,
    string Experiment,
    string Name,
    string SpecJson,
    RunStatus Status,
    RunStage Stage,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? Error);

/// <summary>One value of one metric at one step. (run, name, step) is unique.</summary>
[GenerateSerializer, Alias("rlhf.MetricPoint")]
public sealed record MetricPoint(string Name, long Step, double Value);

/// <summary>Something that happened to a run, for humans (stage changes, warnings, errors).</summary>
[GenerateSerializer, Alias("rlhf.RunEvent")]
public sealed record RunEvent(DateTimeOffset At, string Kind, string Message);

/// <summary>Where a committed checkpoint lives and how to verify it.</summary>
[GenerateSerializer, Alias("rlhf.CheckpointRef")]
public sealed record CheckpointRef(string RunId, string Kind, int Version, string Uri, string Sha256, long SizeBytes);

/// <summary>Final figures of a run, one row per (run, key).</summary>
[GenerateSerializer, Alias("rlhf.RunResult")]
public sealed record RunResult(string Key, double Value);
