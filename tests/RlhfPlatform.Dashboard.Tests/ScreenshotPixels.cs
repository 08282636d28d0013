using SkiaSharp;

namespace RlhfPlatform.Dashboard.Tests;

/// <summary>What a PNG screenshot shows: how many pixels have a given colour, how many are not background.</summary>
public sealed class ScreenshotPixels
{
    readonly SKColor[] pixels;

    public ScreenshotPixels(byte[] png)
    {
        using var bitmap = SKBitmap.Decode(png) ?? throw new InvalidDataException("not a PNG");
        pixels = bitmap.Pixels;
        Width = bitmap.Width;
        Height = bitmap.Height;
    }

    public int Width { get; }
    public int Height { get; }

    /// <param name="hex">"#rrggbb"</param>
    /// <param name="tolerance">the largest difference per channel</param>
    public int CountNear(string hex, int tolerance = 12)
    {
        var wanted = SKColor.Parse(hex);
        return pixels.Count(p => Math.Abs(p.Red - wanted.Red) <= tolerance && Math.Abs(p.Green - wanted.Green) <= tolerance
            && Math.Abs(p.Blue - wanted.Blue) <= tolerance);
    }

    /// <summary>The share of pixels that are not (nearly) white.</summary>
    public double InkFraction => pixels.Count(p => p.Red < 240 || p.Green < 240 || p.Blue < 240) / (double)pixels.Length;
}

/// <summary>Where the dashboard tests save their screenshots: $RLHF_SCREENSHOTS, else TestResults/dashboard beside the test project.</summary>
public static class Screenshots
{
    public static string PathFor(string name)
    {
        string folder = Environment.GetEnvironmentVariable("RLHF_SCREENSHOTS") is { Length: > 0 } configured ? configured : DefaultFolder();
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, name);
    }

    static string DefaultFolder()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory != null && !File.Exists(Path.Combine(directory.FullName, "RlhfPlatform.Dashboard.Tests.csproj"))) directory = directory.Parent;
        return Path.Combine(directory?.FullName ?? AppContext.BaseDirectory, "TestResults", "dashboard");
    }
}
