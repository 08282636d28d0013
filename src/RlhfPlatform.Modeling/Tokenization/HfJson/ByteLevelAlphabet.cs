namespace RlhfPlatform.Modeling.Tokenization.HfJson;

/// <summary>GPT-2's reversible map from bytes to printable characters: printable Latin-1 stays, the other bytes move to U+0100 and up.</summary>
static class ByteLevelAlphabet
{
    public static readonly char[] CharOfByte = Build();
    static readonly Dictionary<char, byte> ByteOfChar = CharOfByte.Select((c, b) => (c, (byte)b)).ToDictionary(p => p.c, p => p.Item2);

    static char[] Build()
    {
        var map = new char[256];
        int shifted = 0;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            map[b] = printable ? (char)b : (char)(256 + shifted++);
        }
        return map;
    }

    public static string Encode(string text)
    {
        byte[] bytes = System.Text.Encoding.UTF8.GetBytes(text);
        return string.Create(bytes.Length, bytes, (chars, source) =>
        {
            for (int i = 0; i < source.Length; i++) chars[i] = CharOfByte[source[i]];
        });
    }

    /// <summary>The text whose bytes the characters stand for; characters outside the alphabet are dropped, invalid UTF-8 becomes U+FFFD.</summary>
    public static string Decode(string mapped)
    {
        var bytes = new List<byte>(mapped.Length);
        foreach (char c in mapped)
            if (ByteOfChar.TryGetValue(c, out byte b)) bytes.Add(b);
        return System.Text.Encoding.UTF8.GetString(bytes.ToArray());
    }
}
