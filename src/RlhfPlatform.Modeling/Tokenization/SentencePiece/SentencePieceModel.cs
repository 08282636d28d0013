using System.Text;

namespace RlhfPlatform.Modeling.Tokenization.SentencePiece;

public enum PieceType { Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6 }

public sealed record Piece(string Text, float Score, PieceType Type);

/// <summary>
/// The parts of a SentencePiece ModelProto (tokenizer.model) a tokenizer needs: the pieces in id order,
/// the model type (1 unigram, 2 BPE), byte fallback, BOS/EOS ids (-1: none), and the normalizer's flags and name. Read with a
/// minimal protobuf wire-format reader; fields not listed are skipped.
/// </summary>
public sealed record SentencePieceModel(IReadOnlyList<Piece> Pieces, int ModelType, bool ByteFallback,
    string NormalizerName, bool HasCharsMap, bool AddDummyPrefix, bool RemoveExtraWhitespaces, bool EscapeWhitespaces, int BosId, int EosId)
{
    public const int Unigram = 1, Bpe = 2;

    public static SentencePieceModel Read(byte[] bytes)
    {
        var pieces = new List<Piece>();
        int modelType = Unigram;
        bool byteFallback = false;
        int bosId = 1, eosId = 2;
        string normalizerName = "";
        bool hasCharsMap = false, addDummyPrefix = true, removeExtraWhitespaces = true, escapeWhitespaces = true;
        var model = new ProtoReader(bytes, 0, bytes.Length);
        while (model.Next(out int field, out int wire))
        {
            if (field == 1 && wire == ProtoReader.LengthDelimited) pieces.Add(ReadPiece(model.Message()));
            else if (field == 2 && wire == ProtoReader.LengthDelimited)
            {
                var trainer = model.Message();
                while (trainer.Next(out int f, out int w))
                    if (f == 3 && w == ProtoReader.VarintWire) modelType = (int)trainer.Varint();
                    else if (f == 35 && w == ProtoReader.VarintWire) byteFallback = trainer.Varint() != 0;
                    else if (f == 41 && w == ProtoReader.VarintWire) bosId = (int)(long)trainer.Varint();
                    else if (f == 42 && w == ProtoReader.VarintWire) eosId = (int)(long)trainer.Varint();
                    else trainer.Skip(w);
            }
            else if (field == 3 && wire == ProtoReader.LengthDelimited)
            {
                var normalizer = model.Message();
                while (normalizer.Next(out int f, out int w))
                    if (f == 1 && w == ProtoReader.LengthDelimited) normalizerName = normalizer.Text();
                    else if (f == 2 && w == ProtoReader.LengthDelimited) hasCharsMap = normalizer.Message().Length > 0;
                    else if (f == 3 && w == ProtoReader.VarintWire) addDummyPrefix = normalizer.Varint() != 0;
                    else if (f == 4 && w == ProtoReader.VarintWire) removeExtraWhitespaces = normalizer.Varint() != 0;
                    else if (f == 5 && w == ProtoReader.VarintWire) escapeWhitespaces = normalizer.Varint() != 0;
                    else normalizer.Skip(w);
            }
            else model.Skip(wire);
        }
        if (pieces.Count == 0) throw new InvalidDataException("no pieces (not a SentencePiece model)");
        return new SentencePieceModel(pieces, modelType, byteFallback, normalizerName, hasCharsMap, addDummyPrefix, removeExtraWhitespaces, escapeWhitespaces, bosId, eosId);
    }

    static Piece ReadPiece(ProtoReader reader)
    {
        string text = "";
        float score = 0;
        var type = PieceType.Normal;
        while (reader.Next(out int field, out int wire))
            if (field == 1 && wire == ProtoReader.LengthDelimited) text = reader.Text();
            else if (field == 2 && wire == ProtoReader.Fixed32) score = reader.Float();
            else if (field == 3 && wire == ProtoReader.VarintWire) type = (PieceType)(int)reader.Varint();
            else reader.Skip(wire);
        return new Piece(text, score, type);
    }

    /// <summary>Protobuf wire format over a byte range; a truncated or malformed message throws InvalidDataException.</summary>
    sealed class ProtoReader(byte[] bytes, int start, int end)
    {
        public const int VarintWire = 0, Fixed64 = 1, LengthDelimited = 2, Fixed32 = 5;
        readonly int first = start;
        int position = start;

        public int Length => end - first;

        public bool Next(out int field, out int wire)
        {
            field = wire = 0;
            if (position >= end) return false;
            ulong key = Varint();
            field = (int)(key >> 3);
            wire = (int)(key & 7);
            return true;
        }

        public ulong Varint()
        {
            ulong value = 0;
            for (int shift = 0; shift < 64; shift += 7)
            {
                if (position >= end) throw new InvalidDataException("truncated varint");
                byte b = bytes[position++];
                value |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0) return value;
            }
            throw new InvalidDataException("varint longer than 10 bytes");
        }

        public float Float()
        {
            Need(4);
            float value = BitConverter.ToSingle(bytes, position);
            position += 4;
            return value;
        }

        public ProtoReader Message()
        {
            int length = checked((int)Varint());
            Need(length);
            var inner = new ProtoReader(bytes, position, position + length);
            position += length;
            return inner;
        }

        public string Text()
        {
            var inner = Message();
            return Encoding.UTF8.GetString(bytes, inner.position, inner.Length);
        }

        public void Skip(int wire)
        {
            switch (wire)
            {
                case VarintWire: Varint(); break;
                case Fixed64: Need(8); position += 8; break;
                case LengthDelimited: Message(); break;
                case Fixed32: Need(4); position += 4; break;
                default: throw new InvalidDataException($"unknown protobuf wire type {wire}");
            }
        }

        void Need(int count)
        {
            if (count < 0 || position + count > end) throw new InvalidDataException("truncated protobuf message");
        }
    }
}
