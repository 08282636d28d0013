using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Checkpoints;

/// <summary>
/// The safetensors format: an 8-byte little-endian header length, a JSON header mapping each tensor
/// name to {dtype, shape, data_offsets}, then the raw little-endian bytes. Reading is in
/// <see cref="SafeTensorsFile"/>; this class writes and holds the format's constants.
/// </summary>
public static class SafeTensors
{
    /// <summary>Tensors are copied to and from files in pieces of at most this many bytes (a Span is limited to 2 GiB).</summary>
    internal const long MaxChunkBytes = 64L << 20;

    internal static readonly IReadOnlyDictionary<ScalarType, string> DtypeNames = new Dictionary<ScalarType, string>
    {
        [ScalarType.Float32] = "F32", [ScalarType.Float16] = "F16", [ScalarType.BFloat16] = "BF16",
        [ScalarType.Float64] = "F64", [ScalarType.Int64] = "I64", [ScalarType.Int32] = "I32",
        [ScalarType.Int16] = "I16", [ScalarType.Int8] = "I8", [ScalarType.Byte] = "U8", [ScalarType.Bool] = "BOOL",
    };

    internal static readonly IReadOnlyDictionary<string, ScalarType> DtypesByName = DtypeNames.ToDictionary(kv => kv.Value, kv => kv.Key);

    internal static long ElementSize(ScalarType dtype) => dtype switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        _ => 1,
    };

    /// <summary>Bytes the tensors take in a file (what sharding limits).</summary>
    public static long DataBytes(Tensor t) => t.NumberOfElements * ElementSize(t.dtype);

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
            long size = DataBytes(t);
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
            ForEachChunk(cpu, MaxChunkBytes, chunk => stream.Write(chunk));
        }
    }

    /// <summary>Reads every tensor of a file onto the CPU (small files and tests; models load through <see cref="WeightFiles"/>).</summary>
    public static Dictionary<string, Tensor> Read(string path)
    {
        using var file = SafeTensorsFile.Open(path);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (string name in file.Entries.Keys) result[name] = file.Read(name);
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        return result;
    }

    /// <summary>Entries of the header, validated against the file's size.</summary>
    public static IReadOnlyDictionary<string, SafeTensorsFile.Entry> ReadHeader(string path)
    {
        using var file = SafeTensorsFile.Open(path);
        return file.Entries;
    }

    /// <summary>Calls <paramref name="action"/> on the storage of a contiguous CPU tensor, piece by piece, in order.</summary>
    internal delegate void ChunkAction(Span<byte> chunk);

    internal static void ForEachChunk(Tensor contiguousCpu, long maxChunkBytes, ChunkAction action)
    {
        long count = contiguousCpu.NumberOfElements;
        if (count == 0) return;
        long perChunk = Math.Max(1, maxChunkBytes / ElementSize(contiguousCpu.dtype));
        if (perChunk >= count)
        {
            action(contiguousCpu.bytes);
            return;
        }
        using var flat = contiguousCpu.view(-1);
        for (long start = 0; start < count; start += perChunk)
        {
            using var piece = flat.narrow(0, start, Math.Min(perChunk, count - start));
            action(piece.bytes);
        }
    }
}
