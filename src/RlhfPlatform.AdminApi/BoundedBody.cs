using System.Text;
using Microsoft.AspNetCore.Http;

namespace RlhfPlatform.AdminApi;

/// <summary>Reads a request body as UTF-8 text, refusing one larger than the limit before reading it all.</summary>
public static class BoundedBody
{
    public const int MaxBytes = 1 << 20;

    /// <returns>the text, or null when the body is over <see cref="MaxBytes"/></returns>
    public static async Task<string?> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength > MaxBytes) return null;
        using var buffer = new MemoryStream();
        byte[] chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxBytes) return null;
            buffer.Write(chunk, 0, read);
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    public static IResult TooLarge() => Results.Problem(title: "Request body too large",
        detail: $"the body is larger than {MaxBytes} bytes", statusCode: StatusCodes.Status413PayloadTooLarge);
}
