// MSBuild task (compiled by RoslynCodeTaskFactory against netstandard: no records, no newer BCL APIs): lets libLibTorchSharp.so load on systems whose
// libstdc++ predates GLIBCXX_3.4.32 (Debian 12 ships GCC 12's). The only symbol the library needs
// from that version is std::ios_base_library_init(), GCC 13's hook for iostream start-up. No
// relocation refers to it and libtorch_cpu.so, loaded first, constructs ios_base::Init itself, so
// it is enough to mark the version requirement weak and drop the symbol's version. The task refuses
// (fails the build) if a relocation ever does refer to such a symbol, since the fix would then be wrong.
#nullable enable
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class PatchLibTorchSharp : Task
{
    const string NewVersion = "GLIBCXX_3.4.32";
    const uint ShtRela = 4, ShtDynsym = 11, ShtVerneed = 0x6ffffffe, ShtVersym = 0x6fffffff;
    const ushort VerFlagWeak = 0x2, VersymGlobal = 1;

    [Required] public string LibraryPath { get; set; } = "";

    public override bool Execute()
    {
        if (!File.Exists(LibraryPath)) return true;
        string? systemLib = FindSystemLibStdCxx();
        if (systemLib == null)
        {
            Log.LogMessage(MessageImportance.Normal, "No system libstdc++.so.6 found; libLibTorchSharp.so left as is.");
            return true;
        }
        if (ContainsAscii(File.ReadAllBytes(systemLib), NewVersion + "\0"))
            return true; // new enough: nothing to do

        byte[] elf = File.ReadAllBytes(LibraryPath);
        try
        {
            if (!Patch(elf, out bool changed)) return false;
            if (!changed) return true;
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentException)
        {
            Log.LogError($"{LibraryPath}: not a well-formed ELF64 file ({e.Message}).");
            return false;
        }
        // Write a new file and rename it over the old one: the output copy may be a hard link into
        // the NuGet cache, which must never change.
        string temp = LibraryPath + ".patching";
        File.WriteAllBytes(temp, elf);
        File.Delete(LibraryPath);
        File.Move(temp, LibraryPath);
        Log.LogMessage(MessageImportance.High,
            $"Patched {Path.GetFileName(LibraryPath)} for {systemLib} (no {NewVersion}): version requirement made weak.");
        return true;
    }

    bool Patch(byte[] elf, out bool changed)
    {
        changed = false;
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != 'E' || elf[2] != 'L' || elf[3] != 'F' || elf[4] != 2 || elf[5] != 1)
        {
            Log.LogError($"{LibraryPath}: expected a little-endian ELF64 shared library.");
            return false;
        }
        long shoff = (long)U64(elf, 0x28);
        int shentsize = U16(elf, 0x3A), shnum = U16(elf, 0x3C);
        Section[] sections = new Section[shnum];
        for (int i = 0; i < shnum; i++)
        {
            long h = shoff + (long)i * shentsize;
            sections[i] = new Section(U32(elf, h + 4), (long)U64(elf, h + 0x18), (long)U64(elf, h + 0x20), (int)U32(elf, h + 0x28));
        }

        int dynsymIndex = Array.FindIndex(sections, s => s.Type == ShtDynsym);
        Section? verneed = Array.Find(sections, s => s.Type == ShtVerneed);
        Section? versym = Array.Find(sections, s => s.Type == ShtVersym);
        if (dynsymIndex < 0 || verneed == null || versym == null) return true; // nothing versioned

        // 1. Find the GLIBCXX_3.4.32 requirement, mark it weak, remember its version index.
        long strtab = sections[verneed.Link].Offset;
        int versionIndex = -1;
        long need = verneed.Offset;
        while (true)
        {
            int count = U16(elf, need + 2);
            long aux = need + U32(elf, need + 8);
            for (int i = 0; i < count; i++)
            {
                if (CString(elf, strtab + U32(elf, aux + 8)) == NewVersion)
                {
                    versionIndex = U16(elf, aux + 6) & 0x7fff;
                    ushort flags = (ushort)U16(elf, aux + 4);
                    if ((flags & VerFlagWeak) == 0) { W16(elf, aux + 4, (ushort)(flags | VerFlagWeak)); changed = true; }
                }
                aux += U32(elf, aux + 12);
            }
            uint next = U32(elf, need + 12);
            if (next == 0) break;
            need += next;
        }
        if (versionIndex < 0) return true;

        // 2. No relocation may refer to a symbol of that version; then drop the symbols' version.
        Section dynsym = sections[dynsymIndex];
        long symbols = dynsym.Size / 24;
        var ofVersion = new bool[symbols];
        for (long s = 0; s < symbols; s++)
            ofVersion[s] = (U16(elf, versym.Offset + 2 * s) & 0x7fff) == versionIndex;
        foreach (Section rela in sections)
        {
            if (rela.Type != ShtRela || rela.Link != dynsymIndex) continue;
            for (long r = rela.Offset; r < rela.Offset + rela.Size; r += 24)
            {
                long sym = (long)(U64(elf, r + 8) >> 32);
                if (sym < symbols && ofVersion[sym])
                {
                    string name = CString(elf, sections[dynsym.Link].Offset + U32(elf, dynsym.Offset + 24 * sym));
                    Log.LogError($"{LibraryPath}: a relocation refers to {name}@{NewVersion}; weakening the requirement " +
                                 "would leave it unresolved. Use a system with GCC 13's libstdc++ (Debian 13, Ubuntu 24.04).");
                    return false;
                }
            }
        }
        for (long s = 0; s < symbols; s++)
        {
            if (!ofVersion[s]) continue;
            W16(elf, versym.Offset + 2 * s, VersymGlobal);
            changed = true;
        }
        return true;
    }

    static string? FindSystemLibStdCxx()
    {
        foreach (string dir in new[] { "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib" })
        {
            string path = Path.Combine(dir, "libstdc++.so.6");
            if (File.Exists(path)) return path;
        }
        return null;
    }

    static bool ContainsAscii(byte[] haystack, string needle)
    {
        byte[] n = Encoding.ASCII.GetBytes(needle);
        for (int i = 0; i + n.Length <= haystack.Length; i++)
        {
            int j = 0;
            while (j < n.Length && haystack[i + j] == n[j]) j++;
            if (j == n.Length) return true;
        }
        return false;
    }

    sealed class Section
    {
        public Section(uint type, long offset, long size, int link) { Type = type; Offset = offset; Size = size; Link = link; }
        public uint Type { get; }
        public long Offset { get; }
        public long Size { get; }
        public int Link { get; }
    }

    static int U16(byte[] b, long o) => b[o] | (b[o + 1] << 8);
    static uint U32(byte[] b, long o) => BitConverter.ToUInt32(b, checked((int)o));
    static ulong U64(byte[] b, long o) => BitConverter.ToUInt64(b, checked((int)o));
    static void W16(byte[] b, long o, ushort v) { b[o] = (byte)v; b[o + 1] = (byte)(v >> 8); }
    static string CString(byte[] b, long o)
    {
        int end = Array.IndexOf(b, (byte)0, checked((int)o));
        return Encoding.ASCII.GetString(b, (int)o, end - (int)o);
    }
}
