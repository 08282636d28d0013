using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Checkpoints;

/// <summary>
/// One open safetensors file. The header is read and checked against the file's length when the
/// file is opened (so a truncated or corrupt file fails here, before any tensor is touched); tensors
/// are then streamed from disk straight into their destination's storage, a piece at a time, with no
/// copy of the whole file in memory.
/// </summary>
public sealed class SafeTensorsFile : IDisposable
{
    public sealed record Entry(ScalarType Dtype, long[] Shape, long Begin, long End);

    readonly FileStream stream;
    readonly long dataStart;
    readonly long maxChunkBytes;

    SafeTensorsFile(string path, FileStream stream, Dictionary<string, Entry> entries, Dictionary<string, string> metadata, long dataStart, long maxChunkBytes)
    {
        Path = path;
        this.stream = stream;
        Entries = entries;
        Metadata = metadata;
        this.dataStart = dataStart;
        this.maxChunkBytes = maxChunkBytes;
    }

    public string Path { get; }

    public IReadOnlyDictionary<string, Entry> Entries { get; }

    /// <summary>The header's string-to-string "__metadata__" (empty when it has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    public static SafeTensorsFile Open(string path) => Open(path, SafeTensors.MaxChunkBytes);

    internal static SafeTensorsFile Open(string path, long maxChunkBytes)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"weights file not found: {path}", path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        try
        {
            var (entries, metadata, dataStart) = ReadHeader(stream, path);
            return new SafeTensorsFile(path, stream, entries, metadata, dataStart, maxChunkBytes);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>A new CPU tensor with the file's dtype and shape.</summary>
    public Tensor Read(string name)
    {
        var entry = EntryOf(name);
        var t = empty(entry.Shape, entry.Dtype);
        try
        {
            ReadBytesInto(entry, t);
            return t;
        }
        catch
        {
            t.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Fills <paramref name="target"/> (same shape; any dtype and device) with the tensor's values. A
    /// contiguous CPU target of the file's dtype is filled in place; otherwise the values pass
    /// through one CPU tensor of the file's dtype and are converted by copy_.
    /// </summary>
    public void ReadInto(string name, Tensor target)
    {
        var entry = EntryOf(name);
        if (!target.shape.SequenceEqual(entry.Shape))
            throw new InvalidDataException($"{Path}: tensor '{name}' has shape [{string.Join(", ", entry.Shape)}], the destination [{string.Join(", ", target.shape)}]");
        using var noGrad = no_grad();
        if (target.device_type == TorchSharp.DeviceType.CPU && target.dtype == entry.Dtype && target.is_contiguous())
        {
            ReadBytesInto(entry, target);
            return;
        }
        using var staged = empty(entry.Shape, entry.Dtype);
        ReadBytesInto(entry, staged);
        target.copy_(staged);
    }

    Entry EntryOf(string name) =>
        Entries.TryGetValue(name, out var entry) ? entry : throw new KeyNotFoundException($"{Path} holds no tensor '{name}'");

    void ReadBytesInto(Entry entry, Tensor contiguousCpu)
    {
        try
        {
            stream.Position = dataStart + entry.Begin;
            SafeTensors.ForEachChunk(contiguousCpu, maxChunkBytes, chunk => stream.ReadExactly(chunk));
        }
        catch (EndOfStreamException)
        {
            throw Corrupt(Path, "file ended inside a tensor (truncated while being read?)");
        }
    }

    public void Dispose() => stream.Dispose();

    static (Dictionary<string, Entry> Entries, Dictionary<string, string> Metadata, long DataStart) ReadHeader(FileStream stream, string path)
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
            throw Corrupt(path, $"header is {JsonErrorText.Describe(e)}");
        }
        long dataStart = 8 + (long)headerLength;
        long dataLength = fileLength - dataStart;
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__")
            {
                // The format says string to string; anything else is ignored rather than failing a weights load over it.
                if (node is JsonObject values)
                    foreach (var (key, value) in values)
                        if (value is JsonValue v && v.TryGetValue(out string? text)) metadata[key] = text;
                continue;
            }
            entries[name] = ParseEntry(path, name, node, dataLength);
        }
        return (entries, metadata, dataStart);
    }

    static Entry ParseEntry(string path, string name, JsonNode? node, long dataLength)
    {
        string dtypeName;
        long[] shape;
        long begin, end;
        try
        {
            dtypeName = node!["dtype"]!.GetValue<string>();
            shape = node["shape"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray();
            var offsets = node["data_offsets"]!.AsArray();
            if (offsets.Count != 2) throw new FormatException();
            begin = offsets[0]!.GetValue<long>();
            end = offsets[1]!.GetValue<long>();
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException or ArgumentOutOfRangeException)
        {
            throw Corrupt(path, $"tensor '{name}' has a malformed header entry");
        }
        if (!SafeTensors.DtypesByName.TryGetValue(dtypeName, out var dtype))
            throw Corrupt(path, $"tensor '{name}' has unsupported dtype {dtypeName} (supported: {string.Join(", ", SafeTensors.DtypesByName.Keys)})");
        if (shape.Any(d => d < 0)) throw Corrupt(path, $"tensor '{name}' has a negative dimension in [{string.Join(", ", shape)}]");
        long expected;
        try
        {
            expected = checked(shape.Aggregate(1L, (a, b) => a * b) * SafeTensors.ElementSize(dtype));
        }
        catch (OverflowException)
        {
            throw Corrupt(path, $"tensor '{name}' declares an impossible shape [{string.Join(", ", shape)}]");
        }
        if (begin < 0 || end < begin || end - begin != expected)
            throw Corrupt(path, $"tensor '{name}' declares shape [{string.Join(", ", shape)}] ({expected} bytes) but offsets {begin}..{end}");
        if (end > dataLength)
            throw Corrupt(path, $"tensor '{name}' ends at byte {end} but the file holds {dataLength} data bytes (truncated?)");
        return new Entry(dtype, shape, begin, end);
    }

    internal static InvalidDataException Corrupt(string path, string what) => new($"{path}: not a valid safetensors file: {what}");
}
