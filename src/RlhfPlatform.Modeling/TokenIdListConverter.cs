using System.Text.Json;
using System.Text.Json.Serialization;

namespace RlhfPlatform.Modeling;

/// <summary>Reads a token id written as one integer or a list of integers; writes one integer when there is one.</summary>
public sealed class TokenIdListConverter : JsonConverter<int[]>
{
    public override int[] Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Number) return [reader.GetInt32()];
        if (reader.TokenType != JsonTokenType.StartArray)
            throw new JsonException($"expected a token id or a list of token ids, found {reader.TokenType}");
        var ids = new List<int>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number) throw new JsonException($"token id list holds a {reader.TokenType}");
            ids.Add(reader.GetInt32());
        }
        return ids.ToArray();
    }

    public override void Write(Utf8JsonWriter writer, int[] value, JsonSerializerOptions options)
    {
        if (value.Length == 1)
        {
            writer.WriteNumberValue(value[0]);
            return;
        }
        writer.WriteStartArray();
        foreach (int id in value) writer.WriteNumberValue(id);
        writer.WriteEndArray();
    }
}
