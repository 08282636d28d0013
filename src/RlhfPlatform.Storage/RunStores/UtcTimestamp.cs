using System.Globalization;

namespace RlhfPlatform.Storage.RunStores;

/// <summary>
/// Both run stores keep timestamps as UTC with microsecond precision (PostgreSQL's timestamptz
/// resolution), so a value reads back the same from either store.
/// </summary>
internal static class UtcTimestamp
{
    private const string SortableFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    public static DateTimeOffset Normalize(DateTimeOffset value)
    {
        var utc = value.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - utc.Ticks % 10, TimeSpan.Zero);
    }

    /// <summary>Fixed-width text that sorts in time order (SQLite has no timestamp type).</summary>
    public static string ToSortableText(DateTimeOffset value) =>
        Normalize(value).ToString(SortableFormat, CultureInfo.InvariantCulture);

    public static DateTimeOffset ParseSortableText(string text) =>
        DateTimeOffset.ParseExact(text, SortableFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
}
