using System.Security.Cryptography;
using System.Text;

namespace RlhfPlatform.Storage.Tests;

/// <summary>What every <see cref="ICheckpointStore"/> must do; each implementation's test class derives from this.</summary>
public abstract class CheckpointStoreContractTests : IAsyncLifetime
{
    private readonly TempFolder _work = new("rlhf-ckpt-work-");
    private ICheckpointStore? _store;

    protected ICheckpointStore Store => _store ?? throw new InvalidOperationException("store not initialised");

    /// <summary>A store over fresh, empty storage; not yet initialised.</summary>
    private protected abstract ICheckpointStore CreateStore();

    /// <summary>Where the store keeps a version's files: file:///.../ or the blob prefix URL, ending in '/'.</summary>
    private protected abstract string ExpectedUri(string runId, string kind, int version);

    /// <summary>Backdoor into the store's storage, bypassing the store: read, overwrite or delete one stored file.</summary>
    private protected abstract Task<byte[]> ReadStoredAsync(string relativePath);
    private protected abstract Task OverwriteStoredAsync(string relativePath, byte[] content);
    private protected abstract Task DeleteStoredAsync(string relativePath);

    /// <summary>Where the store keeps a committed file's bytes: by default at its path under the version.</summary>
    private protected virtual string StoredFilePath(string versionPrefix, string relativePath, byte[] content) => versionPrefix + relativePath;

    public async Task InitializeAsync()
    {
        _store = CreateStore();
        await _store.InitializeAsync();
    }

    public virtual Task DisposeAsync()
    {
        _work.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_written_checkpoint_reads_back_byte_for_byte()
    {
        var source = WriteSource(("config.json", Encoding.UTF8.GetBytes("""{"layers":2}""")),
            ("model.safetensors", RandomBytes(3_000_000, seed: 1)),
            ("tokenizer/vocab.json", Encoding.UTF8.GetBytes("{}")),
            (".hidden", [1, 2, 3]),
            ("empty.bin", []));

        await Store.WriteAsync("run-1", "sft", 3, source);
        var target = _work.Combine("read");
        await Store.ReadAsync("run-1", "sft", 3, target);

        AssertSameFiles(source, target);
    }

    [Fact]
    public async Task The_reference_names_the_manifest_hash_the_total_size_and_the_location()
    {
        var source = WriteSource(("a.bin", RandomBytes(1000, seed: 2)), ("nested/b.bin", RandomBytes(234, seed: 3)));

        var reference = await Store.WriteAsync("run-1", "policy", 7, source);

        var manifest = await ReadStoredAsync("runs/run-1/policy/7/manifest.json");
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(manifest)), reference.Sha256);
        Assert.Equal(1234, reference.SizeBytes);
        Assert.Equal(("run-1", "policy", 7), (reference.RunId, reference.Kind, reference.Version));
        Assert.Equal(ExpectedUri("run-1", "policy", 7), reference.Uri);
        var manifestText = Encoding.UTF8.GetString(manifest);
        Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(RandomBytes(234, seed: 3))), manifestText);
        Assert.Contains("nested/b.bin", manifestText);
    }

    [Fact]
    public async Task Committed_versions_exist_and_list_in_ascending_order_per_kind()
    {
        var source = WriteSource(("w.bin", [42]));
        foreach (var version in new[] { 10, 1, 3 })
            await Store.WriteAsync("run-1", "sft", version, source);
        await Store.WriteAsync("run-1", "reward-model", 2, source);

        Assert.Equal([1, 3, 10], await Store.ListVersionsAsync("run-1", "sft"));
        Assert.Equal([2], await Store.ListVersionsAsync("run-1", "reward-model"));
        Assert.Empty(await Store.ListVersionsAsync("run-2", "sft"));
        Assert.True(await Store.ExistsAsync("run-1", "sft", 3));
        Assert.False(await Store.ExistsAsync("run-1", "sft", 2));
    }

    [Fact]
    public async Task Writing_a_committed_version_again_is_a_conflict_and_keeps_the_original()
    {
        var original = WriteSource(("w.bin", [1, 1, 1]));
        await Store.WriteAsync("run-1", "sft", 1, original);

        var other = _work.Combine("other");
        Directory.CreateDirectory(other);
        await File.WriteAllBytesAsync(Path.Combine(other, "w.bin"), [2, 2, 2]);
        await Assert.ThrowsAsync<CheckpointConflictException>(() => Store.WriteAsync("run-1", "sft", 1, other));

        var target = _work.Combine("read");
        await Store.ReadAsync("run-1", "sft", 1, target);
        AssertSameFiles(original, target);
    }

    [Fact]
    public async Task A_file_changed_after_commit_fails_the_read_naming_the_file()
    {
        await Store.WriteAsync("run-1", "sft", 1, WriteSource(("config.json", [1]), ("model.safetensors", RandomBytes(5000, seed: 4))));
        var tampered = RandomBytes(5000, seed: 4);
        tampered[2500] ^= 0xFF;
        await OverwriteStoredAsync(StoredFilePath("runs/run-1/sft/1/", "model.safetensors", RandomBytes(5000, seed: 4)), tampered);

        var error = await Assert.ThrowsAsync<CheckpointCorruptException>(() => Store.ReadAsync("run-1", "sft", 1, _work.Combine("read")));

        Assert.Contains("model.safetensors", error.Message);
        Assert.False(File.Exists(_work.Combine("read", "model.safetensors")));
    }

    [Fact]
    public async Task A_file_missing_after_commit_fails_the_read_naming_the_file()
    {
        await Store.WriteAsync("run-1", "sft", 1, WriteSource(("config.json", [1]), ("trainer_state.json", [2])));
        await DeleteStoredAsync(StoredFilePath("runs/run-1/sft/1/", "trainer_state.json", [2]));

        var error = await Assert.ThrowsAsync<CheckpointCorruptException>(() => Store.ReadAsync("run-1", "sft", 1, _work.Combine("read")));

        Assert.Contains("trainer_state.json", error.Message);
    }

    [Fact]
    public async Task Files_without_a_manifest_are_not_a_checkpoint_and_a_write_replaces_them()
    {
        await OverwriteStoredAsync("runs/run-1/sft/4/model.safetensors", [9, 9, 9]);
        await OverwriteStoredAsync("runs/run-1/sft/4/stray.bin", [8]);

        Assert.False(await Store.ExistsAsync("run-1", "sft", 4));
        Assert.Empty(await Store.ListVersionsAsync("run-1", "sft"));
        await Assert.ThrowsAsync<CheckpointNotFoundException>(() => Store.ReadAsync("run-1", "sft", 4, _work.Combine("read-uncommitted")));

        var source = WriteSource(("model.safetensors", RandomBytes(100, seed: 5)));
        await Store.WriteAsync("run-1", "sft", 4, source);
        var target = _work.Combine("read");
        await Store.ReadAsync("run-1", "sft", 4, target);

        AssertSameFiles(source, target);
        Assert.Equal([4], await Store.ListVersionsAsync("run-1", "sft"));
    }

    [Fact]
    public async Task Two_writers_racing_for_one_version_leave_one_commit_that_reads_back_intact()
    {
        for (int round = 0; round < 4; round++)
        {
            var a = WriteSource(("config.json", [1]), ("model.safetensors", RandomBytes(400_000, seed: 10 + round)));
            var b = WriteSource(("config.json", [2]), ("model.safetensors", RandomBytes(400_000, seed: 20 + round)));
            var writes = new[] { a, b }.Select(source => Task.Run(async () =>
            {
                try { await Store.WriteAsync("run-1", "policy", round, source); return source; }
                catch (CheckpointConflictException) { return null; }
            })).ToArray();
            var winners = (await Task.WhenAll(writes)).Where(w => w != null).ToArray();
            var winner = Assert.Single(winners);
            var target = _work.Combine($"read-{round}");
            await Store.ReadAsync("run-1", "policy", round, target);
            AssertSameFiles(winner!, target);
        }
    }

    [Fact]
    public async Task Garbage_collection_removes_writes_that_never_committed_and_keeps_every_committed_checkpoint()
    {
        var committed = WriteSource(("model.safetensors", RandomBytes(3000, seed: 6)));
        await Store.WriteAsync("run-1", "sft", 1, committed);
        await OverwriteStoredAsync("runs/run-1/sft/2/model.safetensors", [7, 7, 7]);   // a write that died before its commit
        await OverwriteStoredAsync("runs/run-2/sft/1/model.safetensors", [5]);         // another run's: not this collection's

        Assert.Equal(0, await Store.CollectGarbageAsync("run-1", TimeSpan.FromHours(1))); // too young to be abandoned
        Assert.True(await Store.CollectGarbageAsync("run-1", TimeSpan.Zero) >= 1);
        Assert.Equal(0, await Store.CollectGarbageAsync("run-1", TimeSpan.Zero));

        await Assert.ThrowsAnyAsync<Exception>(() => ReadStoredAsync("runs/run-1/sft/2/model.safetensors"));
        Assert.Equal([5], await ReadStoredAsync("runs/run-2/sft/1/model.safetensors"));
        var target = _work.Combine("read");
        await Store.ReadAsync("run-1", "sft", 1, target);
        AssertSameFiles(committed, target);
        Assert.Equal(0, await Store.CollectGarbageAsync("run-never-written", TimeSpan.Zero));
    }

    [Fact]
    public async Task Reading_a_version_never_written_is_not_found()
    {
        await Assert.ThrowsAsync<CheckpointNotFoundException>(() => Store.ReadAsync("run-1", "sft", 1, _work.Combine("read")));
    }

    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("../escape")]
    [InlineData(".hidden")]
    [InlineData("sp ace")]
    public async Task Names_that_are_not_one_safe_path_segment_are_rejected(string bad)
    {
        var source = WriteSource(("w.bin", [1]));

        await AssertRejected(bad, () => Store.WriteAsync(bad, "sft", 1, source));
        await AssertRejected(bad, () => Store.WriteAsync("run-1", bad, 1, source));
        await AssertRejected(bad, () => Store.ReadAsync(bad, "sft", 1, _work.Combine("read")));
        await AssertRejected(bad, () => Store.ExistsAsync("run-1", bad, 1));
        await AssertRejected(bad, () => Store.ListVersionsAsync(bad, "sft"));
        Assert.Empty(await Store.ListVersionsAsync("run-1", "sft"));
    }

    [Fact]
    public async Task A_negative_version_is_rejected()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.WriteAsync("run-1", "sft", -1, WriteSource(("w.bin", [1]))));
    }

    [Fact]
    public async Task A_source_folder_that_is_empty_or_holds_a_manifest_is_rejected()
    {
        var empty = _work.Combine("empty");
        Directory.CreateDirectory(empty);
        var withManifest = WriteSource(("manifest.json", [1]));

        Assert.Contains("no files", (await Assert.ThrowsAsync<ArgumentException>(() => Store.WriteAsync("run-1", "sft", 1, empty))).Message);
        Assert.Contains("manifest.json", (await Assert.ThrowsAsync<ArgumentException>(() => Store.WriteAsync("run-1", "sft", 1, withManifest))).Message);
        Assert.False(await Store.ExistsAsync("run-1", "sft", 1));
    }

    private static async Task AssertRejected(string bad, Func<Task> action)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(action);
        Assert.Contains($"'{bad}'", error.Message);
    }

    private string WriteSource(params (string Path, byte[] Content)[] files)
    {
        var folder = _work.Combine("source-" + Guid.NewGuid().ToString("N"));
        foreach (var (path, content) in files)
        {
            var full = Path.Combine(folder, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllBytes(full, content);
        }
        return folder;
    }

    private static byte[] RandomBytes(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static void AssertSameFiles(string expectedFolder, string actualFolder)
    {
        static Dictionary<string, byte[]> Files(string folder) =>
            Directory.EnumerateFiles(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
                .ToDictionary(path => Path.GetRelativePath(folder, path), File.ReadAllBytes);

        var expected = Files(expectedFolder);
        var actual = Files(actualFolder);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (path, content) in expected)
            Assert.True(content.AsSpan().SequenceEqual(actual[path]), $"'{path}' differs");
    }
}
