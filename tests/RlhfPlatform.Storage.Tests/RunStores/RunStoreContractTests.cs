using RlhfPlatform.Contracts;

namespace RlhfPlatform.Storage.Tests;

/// <summary>What every <see cref="IRunStore"/> must do; each implementation's test class derives from this.</summary>
public abstract class RunStoreContractTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly ManualClock _clock = new(Start);
    private IRunStore? _store;

    protected IRunStore Store => _store ?? throw new InvalidOperationException("store not initialised");

    /// <summary>A store over fresh, empty storage; not yet initialised.</summary>
    private protected abstract Task<IRunStore> CreateStoreAsync(TimeProvider clock);

    public async Task InitializeAsync()
    {
        _store = await CreateStoreAsync(_clock);
        await _store.InitializeAsync();
    }

    public virtual async Task DisposeAsync()
    {
        if (_store is IAsyncDisposable disposable)
            await disposable.DisposeAsync();
    }

    [Fact]
    public async Task Created_run_reads_back_identical_with_utc_microsecond_timestamps()
    {
        // Ticks below a microsecond and a non-UTC offset: both stores keep the instant at microsecond precision, in UTC.
        var created = new DateTimeOffset(2025, 3, 1, 14, 30, 15, TimeSpan.FromHours(2)).AddTicks(1_234_567);
        var run = NewRun("r1", created: created) with { Error = "none yet", SpecJson = """{"model":{"layers":2},"name":"ü"}""" };

        await Store.CreateRunAsync(run);
        var stored = await Store.GetRunAsync("r1");

        Assert.NotNull(stored);
        Assert.Equal(run with { CreatedAt = created.AddTicks(-7), UpdatedAt = created.AddTicks(-7) }, stored);
        Assert.Equal(TimeSpan.Zero, stored.CreatedAt.Offset);
        Assert.Equal(new DateTime(2025, 3, 1, 12, 30, 15, DateTimeKind.Utc).AddTicks(1_234_560), stored.CreatedAt.UtcDateTime);
    }

    [Fact]
    public async Task Creating_an_existing_run_id_is_a_conflict_and_keeps_the_first()
    {
        await Store.CreateRunAsync(NewRun("r1") with { Name = "first" });

        await Assert.ThrowsAsync<RunStoreConflictException>(() => Store.CreateRunAsync(NewRun("r1") with { Name = "second" }));
        Assert.Equal("first", (await Store.GetRunAsync("r1"))!.Name);
    }

    [Fact]
    public async Task A_driver_lease_has_one_holder_until_it_expires_or_is_released()
    {
        await Store.CreateRunAsync(NewRun("r1"));
        var lease = TimeSpan.FromSeconds(30);

        Assert.True(await Store.TryAcquireDriverLeaseAsync("r1", "a", lease));
        Assert.False(await Store.TryAcquireDriverLeaseAsync("r1", "b", lease));
        _clock.Now += TimeSpan.FromSeconds(20);
        Assert.True(await Store.TryAcquireDriverLeaseAsync("r1", "a", lease));   // renewed: now good for 30 s more
        _clock.Now += TimeSpan.FromSeconds(20);
        Assert.False(await Store.TryAcquireDriverLeaseAsync("r1", "b", lease));  // 40 s after taking it, 20 after renewing
        _clock.Now += TimeSpan.FromSeconds(11);
        Assert.True(await Store.TryAcquireDriverLeaseAsync("r1", "b", lease));   // expired: b takes over
        Assert.False(await Store.TryAcquireDriverLeaseAsync("r1", "a", lease));

        await Store.ReleaseDriverLeaseAsync("r1", "a");                          // not a's to give up
        Assert.False(await Store.TryAcquireDriverLeaseAsync("r1", "a", lease));
        await Store.ReleaseDriverLeaseAsync("r1", "b");
        Assert.True(await Store.TryAcquireDriverLeaseAsync("r1", "a", lease));
        await Assert.ThrowsAsync<RunNotFoundException>(() => Store.TryAcquireDriverLeaseAsync("nope", "a", lease));
    }

    [Fact]
    public async Task The_cap_on_driven_runs_counts_unexpired_leases_of_other_runs_and_never_refuses_a_renewal()
    {
        foreach (string id in new[] { "r1", "r2", "r3" }) await Store.CreateRunAsync(NewRun(id));
        var lease = TimeSpan.FromSeconds(30);

        Assert.Equal(DriverLease.Acquired, await Store.TryAcquireDriverLeaseAsync("r1", "a", lease, maxDrivenRuns: 2));
        Assert.Equal(DriverLease.Acquired, await Store.TryAcquireDriverLeaseAsync("r2", "b", lease, maxDrivenRuns: 2));
        Assert.Equal(DriverLease.AtCapacity, await Store.TryAcquireDriverLeaseAsync("r3", "c", lease, maxDrivenRuns: 2));
        Assert.Equal(DriverLease.Acquired, await Store.TryAcquireDriverLeaseAsync("r1", "a", lease, maxDrivenRuns: 1)); // a renewal, even past the cap
        Assert.Equal(DriverLease.HeldByAnother, await Store.TryAcquireDriverLeaseAsync("r1", "c", lease, maxDrivenRuns: 5));

        await Store.ReleaseDriverLeaseAsync("r2", "b");                                  // a run ends: its place is free
        Assert.Equal(DriverLease.Acquired, await Store.TryAcquireDriverLeaseAsync("r3", "c", lease, maxDrivenRuns: 2));
        Assert.Equal(DriverLease.AtCapacity, await Store.TryAcquireDriverLeaseAsync("r2", "b", lease, maxDrivenRuns: 2));
        _clock.Now += TimeSpan.FromSeconds(31);                                          // expired leases hold no place
        Assert.Equal(DriverLease.Acquired, await Store.TryAcquireDriverLeaseAsync("r2", "b", lease, maxDrivenRuns: 1));
        await Assert.ThrowsAsync<RunNotFoundException>(() => Store.TryAcquireDriverLeaseAsync("nope", "a", lease, maxDrivenRuns: 1));
    }

    [Fact]
    public async Task Concurrent_drivers_never_take_more_places_than_the_cap()
    {
        var ids = Enumerable.Range(0, 8).Select(i => $"c{i}").ToArray();
        foreach (string id in ids) await Store.CreateRunAsync(NewRun(id));
        var outcomes = await Task.WhenAll(ids.Select(id => Task.Run(() =>
            Store.TryAcquireDriverLeaseAsync(id, "owner-" + id, TimeSpan.FromSeconds(30), maxDrivenRuns: 3))));
        Assert.Equal(3, outcomes.Count(o => o == DriverLease.Acquired));
        Assert.Equal(5, outcomes.Count(o => o == DriverLease.AtCapacity));
    }

    [Fact]
    public async Task Unknown_run_reads_as_null()
    {
        Assert.Null(await Store.GetRunAsync("nope"));
    }

    [Fact]
    public async Task Runs_list_newest_first_and_filter_by_experiment()
    {
        await Store.CreateRunAsync(NewRun("a", "exp-1", Start));
        await Store.CreateRunAsync(NewRun("b", "exp-2", Start.AddMinutes(1)));
        await Store.CreateRunAsync(NewRun("c", "exp-1", Start.AddMinutes(2)));

        Assert.Equal(["c", "b", "a"], (await Store.ListRunsAsync()).Select(r => r.RunId));
        Assert.Equal(["c", "a"], (await Store.ListRunsAsync("exp-1")).Select(r => r.RunId));
        Assert.Empty(await Store.ListRunsAsync("exp-none"));
    }

    [Fact]
    public async Task A_page_of_runs_is_cut_by_the_store_filtered_by_experiment_and_status_with_the_total()
    {
        for (int i = 0; i < 7; i++)
            await Store.CreateRunAsync(NewRun($"r{i}", i % 2 == 0 ? "exp-even" : "exp-odd", Start.AddMinutes(i)));
        await Store.UpdateRunAsync("r4", RunStatus.Running, RunStage.Sft);
        await Store.UpdateRunAsync("r2", RunStatus.Running, RunStage.Sft);

        var first = await Store.ListRunsPageAsync(null, null, new PageRequest(0, 3));
        Assert.Equal(["r6", "r5", "r4"], first.Runs.Select(r => r.RunId));
        Assert.Equal(7, first.Total);
        var last = await Store.ListRunsPageAsync(null, null, new PageRequest(6, 3));
        Assert.Equal(["r0"], last.Runs.Select(r => r.RunId));
        Assert.Equal(7, last.Total);
        var past = await Store.ListRunsPageAsync(null, null, new PageRequest(9, 3));
        Assert.Empty(past.Runs);
        Assert.Equal(7, past.Total);

        var even = await Store.ListRunsPageAsync("exp-even", null, new PageRequest(1, 2));
        Assert.Equal(["r4", "r2"], even.Runs.Select(r => r.RunId));
        Assert.Equal(4, even.Total);
        var running = await Store.ListRunsPageAsync("exp-even", RunStatus.Running, new PageRequest(0, 10));
        Assert.Equal(["r4", "r2"], running.Runs.Select(r => r.RunId));
        Assert.Equal(2, running.Total);
        var none = await Store.ListRunsPageAsync("exp-odd", RunStatus.Running, new PageRequest(0, 10));
        Assert.Empty(none.Runs);
        Assert.Equal(0, none.Total);
        Assert.Equal(await Store.ListRunsAsync(), (await Store.ListRunsPageAsync(null, null, PageRequest.Everything)).Runs);
    }

    [Fact]
    public async Task Update_moves_status_and_stage_and_stamps_updated_at()
    {
        await Store.CreateRunAsync(NewRun("r1"));
        _clock.Now = Start.AddMinutes(5);

        Assert.True(await Store.UpdateRunAsync("r1", RunStatus.Running, RunStage.RewardModel));

        var run = await Store.GetRunAsync("r1");
        Assert.Equal((RunStatus.Running, RunStage.RewardModel, (string?)null), (run!.Status, run.Stage, run.Error));
        Assert.Equal(Start, run.CreatedAt);
        Assert.Equal(Start.AddMinutes(5), run.UpdatedAt);
    }

    [Theory]
    [InlineData(RunStatus.Completed)]
    [InlineData(RunStatus.Failed)]
    [InlineData(RunStatus.Cancelled)]
    public async Task A_terminal_status_is_final(RunStatus terminal)
    {
        await Store.CreateRunAsync(NewRun("r1"));
        Assert.True(await Store.UpdateRunAsync("r1", RunStatus.Running, RunStage.Policy));
        Assert.True(await Store.UpdateRunAsync("r1", terminal, RunStage.Done, "the reason"));
        var final = await Store.GetRunAsync("r1");
        _clock.Now = Start.AddHours(1);

        Assert.False(await Store.UpdateRunAsync("r1", RunStatus.Running, RunStage.Evaluation));
        Assert.False(await Store.UpdateRunAsync("r1", RunStatus.Completed, RunStage.Done));

        Assert.Equal(final, await Store.GetRunAsync("r1"));
        Assert.Equal((terminal, "the reason"), (final!.Status, final.Error));
    }

    [Fact]
    public async Task Updating_an_unknown_run_throws_RunNotFound()
    {
        var error = await Assert.ThrowsAsync<RunNotFoundException>(() => Store.UpdateRunAsync("nope", RunStatus.Running, RunStage.Sft));
        Assert.Equal("nope", error.RunId);
    }

    [Fact]
    public async Task Events_read_back_in_the_order_they_were_appended()
    {
        await Store.CreateRunAsync(NewRun("r1"));
        RunEvent[] events =
        [
            new(Start.AddSeconds(2), "stage", "sft started"),
            new(Start.AddSeconds(1), "warning", "clock skew: this one is older but came second"),
            new(Start.AddSeconds(3), "stage", "sft done"),
        ];
        foreach (var runEvent in events)
            await Store.AppendEventAsync("r1", runEvent);

        Assert.Equal(events, await Store.GetEventsAsync("r1"));
    }

    [Fact]
    public async Task Metrics_are_ordered_by_name_then_step_and_filter_by_name()
    {
        await Store.CreateRunAsync(NewRun("r1"));
        await Store.RecordMetricsAsync("r1",
        [
            new("loss", 2, 0.5), new("Loss", 1, 9.0), new("accuracy", 1, 0.25), new("loss", 1, 1.5), new("loss", 10, 0.125),
        ]);

        // Ordinal (byte) order: "Loss" < "accuracy" < "loss", in both databases.
        Assert.Equal<MetricPoint>(
            [new("Loss", 1, 9.0), new("accuracy", 1, 0.25), new("loss", 1, 1.5), new("loss", 2, 0.5), new("loss", 10, 0.125)],
            await Store.GetMetricsAsync("r1"));
        Assert.Equal<MetricPoint>([new("loss", 1, 1.5), new("loss", 2, 0.5), new("loss", 10, 0.125)],
            await Store.GetMetricsAsync("r1", "loss"));
    }

    [Fact]
    public async Task Pages_of_metrics_and_events_are_cut_by_the_store_in_their_order()
    {
        await Store.CreateRunAsync(NewRun("r1"));
        await Store.CreateRunAsync(NewRun("empty"));
        await Store.RecordMetricsAsync("r1", [.. Enumerable.Range(1, 5).SelectMany(step => new MetricPoint[] { new("kl", step, step / 10.0), new("loss", step, step) })]);
        for (int i = 0; i < 5; i++)
            await Store.AppendEventAsync("r1", new RunEvent(Start.AddSeconds(i), "stage", $"event {i}"));

        Assert.Equal<MetricPoint>([new("kl", 5, 0.5), new("loss", 1, 1)], await Store.GetMetricsPageAsync("r1", null, null, new PageRequest(4, 2)));
        Assert.Equal<MetricPoint>([new("loss", 4, 4), new("loss", 5, 5)], await Store.GetMetricsPageAsync("r1", "loss", 3, new PageRequest(1, 10)));
        Assert.Equal<MetricPoint>([new("kl", 3, 0.3), new("loss", 3, 3)],
            (await Store.GetMetricsPageAsync("r1", null, 3, PageRequest.Everything)).Where(p => p.Step == 3));
        Assert.Empty(await Store.GetMetricsPageAsync("r1", "kl", null, new PageRequest(5, 10)));
        Assert.Empty(await Store.GetMetricsPageAsync("empty", null, null, new PageRequest(0, 10)));
        Assert.Equal(["event 2", "event 3"], (await Store.GetEventsPageAsync("r1", new PageRequest(2, 2))).Select(e => e.Message));
        Assert.Empty(await Store.GetEventsPageAsync("r1", new PageRequest(5, 2)));
        await Assert.ThrowsAsync<RunNotFoundException>(() => Store.GetMetricsPageAsync("nope", null, null, new PageRequest(0, 10)));
        await Assert.ThrowsAsync<RunNotFoundException>(() => Store.GetEventsPageAsync("nope", new PageRequest(0, 10)));
    }

    [Fact]
    public async Task Re_recording_a_metric_point_is_ignored_and_keeps_the_first_value()
    {
        await Store.CreateRunAsync(NewRun("r1"));
        await Store.RecordMetricsAsync("r1", [new("loss", 1, 1.0), new("loss", 2, 2.0)]);

        await Store.RecordMetricsAsync("r1", [new("loss", 2, 99.0), new("loss", 3, 3.0), new("loss", 3, 33.0)]);

        Assert.Equal<MetricPoint>([new("loss", 1, 1.0), new("loss", 2, 2.0), new("loss", 3, 3.0)], await Store.GetMetricsAsync("r1"));
    }

    [Fact]
    public async Task A_large_metric_batch_is_recorded_whole()
    {
        await Store.CreateRunAsync(NewRun("r1"));
        var points = Enumerable.Range(0, 5_000).Select(step => new MetricPoint("reward", step, step / 7.0)).ToList();

        await Store.RecordMetricsAsync("r1", points);

        Assert.Equal(points, await Store.GetMetricsAsync("r1", "reward"));
    }

    [Fact]
    public async Task Non_finite_metric_values_round_trip()
    {
        await Store.CreateRunAsync(NewRun("r1"));
        MetricPoint[] points = [new("kl", 1, double.NaN), new("kl", 2, double.PositiveInfinity), new("kl", 3, double.NegativeInfinity)];

        await Store.RecordMetricsAsync("r1", points);

        Assert.Equal(points, await Store.GetMetricsAsync("r1"));
    }

    [Fact]
    public async Task Checkpoints_are_recorded_once_and_ordered_by_kind_then_version()
    {
        await Store.CreateRunAsync(NewRun("r1"));
        var sft2 = Checkpoint("r1", "sft", 2);
        var sft10 = Checkpoint("r1", "sft", 10);
        var policy1 = Checkpoint("r1", "policy", 1);
        foreach (var checkpoint in new[] { sft10, policy1, sft2, sft10 })
            await Store.RecordCheckpointAsync(checkpoint);

        Assert.Equal([policy1, sft2, sft10], await Store.GetCheckpointsAsync("r1"));
    }

    [Fact]
    public async Task Recording_a_different_checkpoint_under_a_taken_version_is_a_conflict()
    {
        await Store.CreateRunAsync(NewRun("r1"));
        var original = Checkpoint("r1", "sft", 1);
        await Store.RecordCheckpointAsync(original);

        await Assert.ThrowsAsync<RunStoreConflictException>(() => Store.RecordCheckpointAsync(original with { Sha256 = new string('f', 64) }));
        Assert.Equal([original], await Store.GetCheckpointsAsync("r1"));
    }

    [Fact]
    public async Task Results_upsert_one_value_per_key()
    {
        await Store.CreateRunAsync(NewRun("r1"));
        await Store.SaveResultsAsync("r1", [new("win_rate", 0.5), new("reward_mean", 1.25)]);

        await Store.SaveResultsAsync("r1", [new("win_rate", 0.75), new("kl", 0.1)]);

        Assert.Equal<RunResult>([new("kl", 0.1), new("reward_mean", 1.25), new("win_rate", 0.75)], await Store.GetResultsAsync("r1"));
    }

    [Fact]
    public async Task Writes_for_an_unknown_run_throw_RunNotFound()
    {
        await Assert.ThrowsAsync<RunNotFoundException>(() => Store.AppendEventAsync("nope", new RunEvent(Start, "stage", "x")));
        await Assert.ThrowsAsync<RunNotFoundException>(() => Store.RecordMetricsAsync("nope", [new("loss", 1, 1.0)]));
        await Assert.ThrowsAsync<RunNotFoundException>(() => Store.RecordMetricsAsync("nope", []));
        await Assert.ThrowsAsync<RunNotFoundException>(() => Store.RecordCheckpointAsync(Checkpoint("nope", "sft", 1)));
        await Assert.ThrowsAsync<RunNotFoundException>(() => Store.SaveResultsAsync("nope", [new("kl", 0.1)]));
    }

    [Fact]
    public async Task Reads_for_an_unknown_run_throw_RunNotFound_but_a_known_run_reads_empty()
    {
        await Store.CreateRunAsync(NewRun("r1"));

        await Assert.ThrowsAsync<RunNotFoundException>(() => Store.GetEventsAsync("nope"));
        await Assert.ThrowsAsync<RunNotFoundException>(() => Store.GetMetricsAsync("nope"));
        await Assert.ThrowsAsync<RunNotFoundException>(() => Store.GetCheckpointsAsync("nope"));
        await Assert.ThrowsAsync<RunNotFoundException>(() => Store.GetResultsAsync("nope"));
        Assert.Empty(await Store.GetEventsAsync("r1"));
        Assert.Empty(await Store.GetMetricsAsync("r1", "loss"));
        Assert.Empty(await Store.GetCheckpointsAsync("r1"));
        Assert.Empty(await Store.GetResultsAsync("r1"));
    }

    [Fact]
    public async Task Initialising_again_keeps_the_data()
    {
        await Store.CreateRunAsync(NewRun("r1"));
        await Store.RecordMetricsAsync("r1", [new("loss", 1, 1.0)]);

        await Store.InitializeAsync();

        Assert.NotNull(await Store.GetRunAsync("r1"));
        Assert.Single(await Store.GetMetricsAsync("r1"));
    }

    [Fact]
    public async Task Api_keys_read_back_list_in_creation_order_and_revoke_once()
    {
        var first = new ApiKeyRecord("k1", "ci", "operator", "00ff", "abcd", Start, null);
        var second = new ApiKeyRecord("k2", "viewer", "reader", "11ee", "ef01", Start.AddMinutes(1), null);
        await Store.CreateApiKeyAsync(second);
        await Store.CreateApiKeyAsync(first);

        Assert.Equal(first, await Store.GetApiKeyAsync("k1"));
        Assert.Null(await Store.GetApiKeyAsync("k3"));
        Assert.Equal(["k1", "k2"], (await Store.ListApiKeysAsync()).Select(k => k.KeyId));
        await Assert.ThrowsAsync<RunStoreConflictException>(() => Store.CreateApiKeyAsync(first));

        _clock.Now = Start.AddMinutes(5);
        Assert.True(await Store.RevokeApiKeyAsync("k1"));
        Assert.False(await Store.RevokeApiKeyAsync("k1"));
        Assert.False(await Store.RevokeApiKeyAsync("k3"));
        Assert.Equal(Start.AddMinutes(5), (await Store.GetApiKeyAsync("k1"))!.RevokedAt);
        Assert.Null((await Store.GetApiKeyAsync("k2"))!.RevokedAt);
    }

    [Fact]
    public async Task First_idempotency_claim_wins_and_a_released_key_can_be_claimed_again()
    {
        var claim = new IdempotencyRecord("key-1", "hash-a", ["r1", "r2"], Start);
        Assert.Equal(claim.RunIds, (await Store.ClaimIdempotencyKeyAsync(claim)).RunIds);

        var retry = await Store.ClaimIdempotencyKeyAsync(new IdempotencyRecord("key-1", "hash-b", ["r9"], Start.AddMinutes(1)));
        Assert.Equal("hash-a", retry.RequestHash);
        Assert.Equal(["r1", "r2"], retry.RunIds);
        Assert.Equal(Start, retry.CreatedAt);

        await Store.ReleaseIdempotencyKeyAsync("key-1", "hash-b"); // not the owner's hash: no effect
        Assert.Equal("hash-a", (await Store.ClaimIdempotencyKeyAsync(claim with { RequestHash = "hash-c" })).RequestHash);
        await Store.ReleaseIdempotencyKeyAsync("key-1", "hash-a");
        Assert.Equal(["r9"], (await Store.ClaimIdempotencyKeyAsync(new IdempotencyRecord("key-1", "hash-b", ["r9"], Start))).RunIds);
    }

    private static RunRecord NewRun(string runId, string experiment = "exp", DateTimeOffset? created = null) =>
        new(runId, experiment, $"run {runId}", """{"stages":["sft"]}""", RunStatus.Pending, RunStage.Pending,
            created ?? Start, created ?? Start, null);

    private static CheckpointRef Checkpoint(string runId, string kind, int version) =>
        new(runId, kind, version, $"file:///store/runs/{runId}/{kind}/{version}/", new string((char)('a' + version % 6), 64), 1000 + version);
}
