using System.Runtime.InteropServices;

namespace RlhfPlatform.Contracts;

/// <summary>
/// The folders a run spec may read from (Rlhf:Data:Roots). A path (plain, or a file: URI) is allowed
/// when, with every symlink on the way resolved, it lies under a root and is a folder, a regular file
/// or not there yet. Everything else (absolute paths elsewhere, ".." escapes, symlinks that leave a
/// root, devices, FIFOs, sockets, other URI schemes) gets one and the same refusal text, which says
/// nothing about whether the target exists.
/// </summary>
public sealed class DataRoots
{
    readonly string[] roots;

    public DataRoots(IEnumerable<string> roots)
    {
        this.roots = roots.Select(r => RealPath(Path.GetFullPath(r))).Distinct(StringComparer.Ordinal).ToArray();
    }

    public IReadOnlyList<string> Roots => roots;

    public static string Refusal(string field) =>
        $"{field}: not readable through a run spec (a spec may name only regular files and folders under the data roots, Rlhf:Data:Roots)";

    /// <summary>"file:" URIs → local paths; other strings unchanged.</summary>
    public static string? LocalPath(string? value) =>
        value != null && value.StartsWith("file:", StringComparison.OrdinalIgnoreCase) && Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.IsFile
            ? uri.LocalPath
            : value;

    /// <summary>True when <paramref name="fullPath"/> (already absolute) may be read.</summary>
    public bool Allows(string fullPath)
    {
        if (fullPath.Contains("://", StringComparison.Ordinal) || !Path.IsPathFullyQualified(fullPath)) return false;
        string real = RealPath(Path.GetFullPath(fullPath));
        if (!roots.Any(root => real == root || real.StartsWith(root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
            return false;
        return Directory.Exists(real) || !File.Exists(real) || IsRegularFile(real);
    }

    /// <summary>The path with every existing symlink along it replaced by its final target.</summary>
    static string RealPath(string fullPath)
    {
        string current = Path.GetPathRoot(fullPath)!;
        foreach (string part in fullPath[current.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Combine(current, part);
            FileSystemInfo info = Directory.Exists(current) ? new DirectoryInfo(current) : new FileInfo(current);
            if (info.Exists && info.LinkTarget != null)
                current = Path.GetFullPath(info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? current);
        }
        return current;
    }

    static bool IsRegularFile(string path)
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64) return true;
        var buffer = new byte[256];
        if (Native.stat(path, buffer) != 0) return false;
        int mode = BitConverter.ToInt32(buffer, 24); // struct stat on x86-64 glibc: st_dev, st_ino, st_nlink (8 bytes each), then st_mode
        return (mode & 0xF000) == 0x8000;
    }

    static class Native
    {
        [DllImport("libc", SetLastError = true)]
#pragma warning disable CA2101, SYSLIB1054 // a plain UTF-8 path; LibraryImport would need unsafe code here
        public static extern int stat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] buffer);
#pragma warning restore CA2101, SYSLIB1054
    }
}
