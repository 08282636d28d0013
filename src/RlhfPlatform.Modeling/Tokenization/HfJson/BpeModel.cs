using System.Collections.Concurrent;
using System.Text;

namespace RlhfPlatform.Modeling.Tokenization.HfJson;

/// <summary>
/// tokenizer.json's BPE model: a word starts as its characters (code points) and the adjacent pair
/// with the lowest merge rank is merged, leftmost first, until no merge applies. ignore_merges takes a
/// word found whole in the vocabulary as is (Llama 3); byte_fallback spells a piece missing from the
/// vocabulary as its UTF-8 bytes, "&lt;0x41&gt;" (SentencePiece-style: Llama 2, Gemma); otherwise it
/// becomes the unknown token, consecutive ones fused into one when fuse_unk is set.
/// </summary>
sealed class BpeModel
{
    const int MaxCachedWordLength = 256, MaxCacheEntries = 100_000;

    readonly IReadOnlyDictionary<string, int> vocab;
    readonly Dictionary<long, (int Rank, int Merged)> merges;
    readonly bool ignoreMerges, byteFallback, fuseUnknown;
    readonly int? unknownId;
    readonly int[]? byteIds;
    readonly ConcurrentDictionary<string, int[]> cache = new(StringComparer.Ordinal);

    public BpeModel(IReadOnlyDictionary<string, int> vocab, IReadOnlyList<(string Left, string Right)> mergeList, int? unknownId,
        bool ignoreMerges, bool byteFallback, bool fuseUnknown)
    {
        this.vocab = vocab;
        this.unknownId = unknownId;
        this.ignoreMerges = ignoreMerges;
        this.byteFallback = byteFallback;
        this.fuseUnknown = fuseUnknown;
        merges = new Dictionary<long, (int, int)>(mergeList.Count);
        for (int rank = 0; rank < mergeList.Count; rank++)
        {
            var (left, right) = mergeList[rank];
            if (!vocab.TryGetValue(left, out int a) || !vocab.TryGetValue(right, out int b) || !vocab.TryGetValue(left + right, out int merged))
                throw new InvalidDataException($"tokenizer.json: merge {rank} ('{left}' '{right}') uses or makes a token that is not in the vocabulary");
            merges.TryAdd(Key(a, b), (rank, merged));
        }
        if (byteFallback)
        {
            byteIds = new int[256];
            for (int b = 0; b < 256; b++) byteIds[b] = vocab.TryGetValue($"<0x{b:X2}>", out int id) ? id : -1;
        }
    }

    static long Key(int left, int right) => ((long)left << 32) | (uint)right;

    public void Encode(string word, List<int> ids)
    {
        if (word.Length == 0) return;
        if (ignoreMerges && vocab.TryGetValue(word, out int whole))
        {
            ids.Add(whole);
            return;
        }
        if (cache.TryGetValue(word, out var cached))
        {
            ids.AddRange(cached);
            return;
        }
        var result = Merge(word);
        if (word.Length < MaxCachedWordLength)
        {
            if (cache.Count >= MaxCacheEntries) cache.Clear();
            cache[word] = result;
        }
        ids.AddRange(result);
    }

    int[] Merge(string word)
    {
        // Symbols form a linked list over the word's code points; a merged symbol keeps its left part's slot.
        var texts = new List<string>();
        foreach (var rune in word.EnumerateRunes()) texts.Add(rune.ToString());
        int n = texts.Count;
        var id = new int[n];
        var next = new int[n];
        var previous = new int[n];
        var alive = new bool[n];
        for (int i = 0; i < n; i++)
        {
            id[i] = vocab.TryGetValue(texts[i], out int known) ? known : -1;
            next[i] = i + 1 < n ? i + 1 : -1;
            previous[i] = i - 1;
            alive[i] = true;
        }
        var queue = new PriorityQueue<(int Left, int Right, int Rank), (int Rank, int Left)>();
        void Consider(int left)
        {
            int right = left < 0 ? -1 : next[left];
            if (right < 0 || id[left] < 0 || id[right] < 0) return;
            if (merges.TryGetValue(Key(id[left], id[right]), out var merge)) queue.Enqueue((left, right, merge.Rank), (merge.Rank, left));
        }
        for (int i = 0; i < n - 1; i++) Consider(i);
        while (queue.TryDequeue(out var candidate, out _))
        {
            var (left, right, rank) = candidate;
            if (!alive[left] || !alive[right] || next[left] != right) continue;
            if (!merges.TryGetValue(Key(id[left], id[right]), out var merge) || merge.Rank != rank) continue;
            id[left] = merge.Merged;
            texts[left] += texts[right];
            alive[right] = false;
            next[left] = next[right];
            if (next[right] >= 0) previous[next[right]] = left;
            Consider(previous[left]);
            Consider(left);
        }
        var ids = new List<int>(n);
        for (int i = 0; i < n && i >= 0; i = next[i])
        {
            if (id[i] >= 0) ids.Add(id[i]);
            else AddMissing(texts[i], ids);
        }
        return ids.ToArray();
    }

    void AddMissing(string piece, List<int> ids)
    {
        if (byteIds is not null)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(piece);
            if (bytes.All(b => byteIds[b] >= 0))
            {
                foreach (byte b in bytes) ids.Add(byteIds[b]);
                return;
            }
        }
        int unknown = unknownId ?? throw new InvalidDataException($"tokenizer.json: '{piece}' is not in the vocabulary and the model has no unk_token");
        if (fuseUnknown && ids.Count > 0 && ids[^1] == unknown) return;
        ids.Add(unknown);
    }
}
