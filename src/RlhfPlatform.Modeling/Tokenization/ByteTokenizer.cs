using System.Text;

namespace RlhfPlatform.Modeling.Tokenization;

/// <summary>UTF-8 bytes are ids 0..255; BOS, EOS and PAD follow. For the synthetic tasks: no files, no downloads.</summary>
public sealed class ByteTokenizer : ITokenizer
{
    public const string KindName = "byte";

    public string Kind => KindName;
    public int VocabSize => 259;
    public int BosId => 256;
    public int EosId => 257;
    public int PadId => 258;

    public int[] Encode(string text) => Encoding.UTF8.GetBytes(text).Select(b => (int)b).ToArray();

    public string Decode(IEnumerable<int> ids) =>
        Encoding.UTF8.GetString(ids.Where(id => id is >= 0 and < 256).Select(id => (byte)id).ToArray());
}
