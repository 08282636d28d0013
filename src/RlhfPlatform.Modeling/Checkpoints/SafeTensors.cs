using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Checkpoints;

/// <summary>
/// The safetensors format: an 8-byte little-endian header length, a JSON header mapping each tensor
/// name to {dtype, shape, data_offsets}, then the raw little-endian bytes.
/// </summary>
public static class SafeTensors
{
    static readonly Dictionary<ScalarType, string> DtypeNames = new()
    {
        [ScalarType.Float32] = "F32", [ScalarType.Float16] = "F16", [ScalarType.BFloat16] = "BF16",
        [ScalarType.Float64] = "F64", [ScalarType.Int64] = "I64", [ScalarType.Int32] = "I32",
    };

    public static void Write(string path, IEnumerable<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var ordered = tensors.OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
        var header = new JsonObject();
        if (metadata != null)
            header["__metadata__"] = new JsonObject(metadata.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value))));
        long offset = 0;
        foreach (var (name, t) in ordered)
        {
            if (!DtypeNames.TryGetValue(t.dtype, out string? dtype))
                throw new NotSupportedException($"tensor '{name}': dtype {t.dtype} cannot be written to safetensors here");
            long size = t.NumberOfElements * t.ElementSize;
            header[name] = new JsonObject
            {
                ["dtype"] = dtype,
                ["shape"] = new JsonArray(t.shape.Select(d => (JsonNode?)JsonValue.Create(d)).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + size),
            };
            offset += size;
        }
        byte[] headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (headerBytes.Length + 7) / 8 * 8;
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
        stream.Write(length);
        stream.Write(headerBytes);
        for (int i = headerBytes.Length; i < padded; i++) stream.WriteByte((byte)' ');
        foreach (var (_, t) in ordered)
        {
            using var cpu = t.detach().cpu().contiguous();
            stream.Write(cpu.bytes);
        }
    }

    /// <summary>Entries of the header, validated against the file's size.</summary>
    public static IReadOnlyDictionary<string, Entry> ReadHeader(string path)
    {
        using var stream = File.OpenRead(path);
        return ReadHeader(stream, path).Entries;
    }

    /// <summary>Reads every tensor (CPU). Each tensor is read straight from the file into its storage.</summary>
    public static Dictionary<string, Tensor> Read(string path)
    {
        using var stream = File.OpenRead(path);
        var (entries, dataStart) = ReadHeader(stream, path);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var (name, entry) in entries)
            {
                var t = empty(entry.Shape, entry.Dtype);
                result[name] = t;
                stream.Position = dataStart + entry.Begin;
                stream.ReadExactly(t.bytes);
            }
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        return result;
    }

    public sealed record Entry(ScalarType Dtype, long[] Shape, long Begin, long End);

    static (Dictionary<string, Entry> Entries, long DataStart) ReadHeader(Stream stream, string path)
    {
        long fileLength = stream.Length;
        if (fileLength < 8) throw Corrupt(path, $"file is {fileLength} bytes, shorter than the 8-byte header length");
        Span<byte> lengthBytes = stackalloc byte[8];
        stream.ReadExactly(lengthBytes);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > (ulong)(fileLength - 8) || headerLength > 100_000_000)
            throw Corrupt(path, $"header length {headerLength} does not fit in a file of {fileLength} bytes (truncated?)");
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        JsonObject header;
        try
        {
            header = JsonNode.Parse(headerBytes) as JsonObject ?? throw Corrupt(path, "header is not a JSON object");
        }
        catch (JsonException e)
        {
            throw Corrupt(path, $"header is not valid JSON ({e.Message})");
        }
        long dataStart = 8 + (long)headerLength;
        long dataLength = fileLength - dataStart;
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__") continue;
            entries[name] = ParseEntry(path, name, node, dataLength);
        }
        return (entries, dataStart);
    }

    static Entry ParseEntry(string path, string name, JsonNode? node, long dataLength)
    {
        try
        {
            string dtypeName = node!["dtype"]!.GetValue<string>();
            var dtype = DtypeNames.FirstOrDefault(kv => kv.Value == dtypeName).Key;
            if (!DtypeNames.ContainsValue(dtypeName)) throw Corrupt(path, $"tensor '{name}' has unsupported dtype {dtypeName}");
            long[] shape = node["shape"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray();
            var offsets = node["data_offsets"]!.AsArray();
            long begin = offsets[0]!.GetValue<long>(), end = offsets[1]!.GetValue<long>();
            long elementSize = dtype switch { ScalarType.Float64 or ScalarType.Int64 => 8, ScalarType.Float32 or ScalarType.Int32 => 4, _ => 2 };
            long expected = shape.Aggregate(1L, (a, b) => a * b) * elementSize;
            if (shape.Any(d => d < 0) || begin < 0 || end - begin != expected)
                throw Corrupt(path, $"tensor '{name}' declares shape [{string.Join(", ", shape)}] but {end - begin} bytes");
            if (end > dataLength)
                throw Corrupt(path, $"tensor '{name}' ends at byte {end} but the file holds {dataLength} data bytes (truncated?)");
            return new Entry(dtype, shape, begin, end);
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            throw Corrupt(path, $"tensor '{name}' has a malformed header entry");
        }
    }

    static InvalidDataException Corrupt(string path, string what) => new($"{path}: not a valid safetensors file: {what}");
}
