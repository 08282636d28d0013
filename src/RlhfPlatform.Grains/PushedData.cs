using RlhfPlatform.Contracts;

namespace RlhfPlatform.Grains;

/// <summary>Replaces a spec's blob: data URIs by the local copies this silo fetched from the checkpoint/data store.</summary>
public static class PushedData
{
    public static async Task<RunSpec> ResolveAsync(RunSpec spec, CheckpointFiles files, CancellationToken ct)
    {
        var local = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (field, path) in RunSpecParser.PathFields(spec).Where(f => DataUri.IsBlob(f.Path)))
        {
            var uri = DataUri.TryParse(path) ?? throw new RunSpecException($"{field}: a blob: URI must read blob:data/NAME/VERSION[/FILE]");
            string folder;
            try
            {
                folder = await files.FetchAsync(DataUri.StoreRun, uri.Name, uri.Version, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new RunSpecException($"{field}: {path} is not in the data store (push it with `rlhf data push`)");
            }
            local[path] = uri.File is null ? folder : Path.Combine(folder, uri.File);
        }
        return local.Count == 0 ? spec : RunSpecParser.MapPaths(spec, p => p != null && local.TryGetValue(p, out var l) ? l : p);
    }
}
