using System.Text.Json;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Checkpoints;

/// <summary>
/// The weights of a model folder: one model.safetensors, or the shards a model.safetensors.index.json
/// names (HF's weight_map). Every file's header is checked when the folder is opened; tensors are
/// read on demand, one file stream per shard.
/// </summary>
public sealed class WeightFiles : IDisposable
{
    public const string SingleFileName = "model.safetensors";
    public const string IndexFileName = "model.safetensors.index.json";

    readonly List<SafeTensorsFile> files;
    readonly Dictionary<string, SafeTensorsFile> fileOfTensor;

    WeightFiles(List<SafeTensorsFile> files, Dictionary<string, SafeTensorsFile> fileOfTensor)
    {
        this.files = files;
        this.fileOfTensor = fileOfTensor;
        Entries = fileOfTensor.ToDictionary(kv => kv.Key, kv => kv.Value.Entries[kv.Key], StringComparer.Ordinal);
    }

    public IReadOnlyDictionary<string, SafeTensorsFile.Entry> Entries { get; }

    /// <summary>Opens the index (preferred when present) or the single file.</summary>
    public static WeightFiles Open(string folder)
    {
        string index = Path.Combine(folder, IndexFileName), single = Path.Combine(folder, SingleFileName);
        if (File.Exists(index)) return OpenSharded(folder, index);
        if (File.Exists(single))
        {
            var file = SafeTensorsFile.Open(single);
            return new WeightFiles([file], file.Entries.Keys.ToDictionary(k => k, _ => file, StringComparer.Ordinal));
        }
        throw new FileNotFoundException($"no {SingleFileName} or {IndexFileName} in model folder {folder}", single);
    }

    /// <summary>See <see cref="SafeTensorsFile.ReadInto"/>.</summary>
    public void ReadInto(string name, Tensor target)
    {
        if (!fileOfTensor.TryGetValue(name, out var file)) throw new KeyNotFoundException($"the checkpoint holds no tensor '{name}'");
        file.ReadInto(name, target);
    }

    /// <summary>Shard order, then offset order: the order in which reading streams through the files.</summary>
    public IEnumerable<string> NamesInFileOrder() =>
        fileOfTensor.OrderBy(kv => files.IndexOf(kv.Value)).ThenBy(kv => kv.Value.Entries[kv.Key].Begin).Select(kv => kv.Key);

    public void Dispose()
    {
        foreach (var file in files) file.Dispose();
    }

    static WeightFiles OpenSharded(string folder, string indexPath)
    {
        var weightMap = ReadWeightMap(indexPath);
        var shardNames = weightMap.Values.Distinct().Order(StringComparer.Ordinal).ToList();
        var absent = shardNames.Where(s => !File.Exists(Path.Combine(folder, s))).ToList();
        if (absent.Count > 0)
            throw new InvalidDataException($"{indexPath}: shard{(absent.Count > 1 ? "s" : "")} named in the weight_map but missing from {folder}: {string.Join(", ", absent)}");

        var files = new List<SafeTensorsFile>();
        try
        {
            foreach (string shard in shardNames) files.Add(SafeTensorsFile.Open(Path.Combine(folder, shard)));
            var byName = files.ToDictionary(f => Path.GetFileName(f.Path));
            var notInShard = weightMap.Where(kv => !byName[kv.Value].Entries.ContainsKey(kv.Key)).Select(kv => $"{kv.Key} (in {kv.Value})").ToList();
            if (notInShard.Count > 0)
                throw new InvalidDataException($"{indexPath}: tensors the weight_map places in shards that do not hold them: {string.Join(", ", notInShard)}");
            return new WeightFiles(files, weightMap.ToDictionary(kv => kv.Key, kv => byName[kv.Value], StringComparer.Ordinal));
        }
        catch
        {
            foreach (var file in files) file.Dispose();
            throw;
        }
    }

    static Dictionary<string, string> ReadWeightMap(string indexPath)
    {
        JsonObject map;
        try
        {
            map = (JsonNode.Parse(File.ReadAllText(indexPath)) as JsonObject)?["weight_map"] as JsonObject
                ?? throw new InvalidDataException($"{indexPath}: no 'weight_map' object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{indexPath}: {JsonErrorText.Describe(e)}");
        }
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, node) in map)
        {
            string? shard = node is JsonValue v && v.TryGetValue(out string? s) ? s : null;
            // A shard is a file next to the index: a path that leaves the folder is not a shard.
            if (string.IsNullOrEmpty(shard) || shard != Path.GetFileName(shard) || shard is "." or "..")
                throw new InvalidDataException($"{indexPath}: tensor '{name}' maps to '{node?.ToJsonString()}', which is not a shard file name");
            result[name] = shard;
        }
        if (result.Count == 0) throw new InvalidDataException($"{indexPath}: the weight_map is empty");
        return result;
    }
}
