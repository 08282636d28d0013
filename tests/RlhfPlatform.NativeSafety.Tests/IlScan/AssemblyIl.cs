using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace RlhfPlatform.NativeSafety.Tests.IlScan;

/// <summary>One assembly's metadata and method bodies, with source locations from its portable PDB when there is one.</summary>
public sealed class AssemblyIl : IDisposable
{
    readonly PEReader pe;
    readonly MetadataReaderProvider? pdbProvider;
    readonly MetadataReader? pdb;

    public AssemblyIl(string path)
    {
        Path = path;
        pe = new PEReader(File.OpenRead(path));
        Metadata = pe.GetMetadataReader();
        string pdbPath = System.IO.Path.ChangeExtension(path, ".pdb");
        if (File.Exists(pdbPath))
        {
            pdbProvider = MetadataReaderProvider.FromPortablePdbStream(File.OpenRead(pdbPath));
            pdb = pdbProvider.GetMetadataReader();
        }
    }

    public string Path { get; }
    public MetadataReader Metadata { get; }

    public sealed record Method(MethodDefinitionHandle Handle, string Key, string DeclaringType, bool IsVirtual, List<IlInstruction> Instructions);

    public IEnumerable<Method> MethodsWithBodies()
    {
        foreach (var handle in Metadata.MethodDefinitions)
        {
            var definition = Metadata.GetMethodDefinition(handle);
            if (definition.RelativeVirtualAddress == 0) continue;
            var body = pe.GetMethodBody(definition.RelativeVirtualAddress);
            bool isVirtual = (definition.Attributes & System.Reflection.MethodAttributes.Virtual) != 0;
            string declaring = MethodKeys.OfOperand(Metadata, handle)!.Value.DeclaringType;
            yield return new Method(handle, MethodKeys.OfDefinition(Metadata, handle), declaring, isVirtual, IlDecoder.Decode(body));
        }
    }

    /// <summary>The key of every method the assembly defines, with or without a body.</summary>
    public IEnumerable<string> AllMethodKeys() => Metadata.MethodDefinitions.Select(h => MethodKeys.OfDefinition(Metadata, h));

    /// <summary>Keys of the methods in other assemblies that this one calls, whose declaring type's name starts with the prefix.</summary>
    public IEnumerable<string> CalledKeys(string typePrefix) => MethodsWithBodies()
        .SelectMany(m => m.Instructions.Where(i => i.IsCall))
        .Select(i => MethodKeys.OfOperand(Metadata, i.Handle))
        .Where(t => t is { } target && target.DeclaringType.StartsWith(typePrefix, StringComparison.Ordinal))
        .Select(t => t!.Value.Key)
        .Distinct();

    /// <summary>"file.cs:line" of the statement holding the IL offset, or the assembly's name when there is no PDB.</summary>
    public string SourceOf(MethodDefinitionHandle method, int ilOffset)
    {
        if (pdb == null) return System.IO.Path.GetFileName(Path);
        var info = pdb.GetMethodDebugInformation(method.ToDebugInformationHandle());
        SequencePoint? best = null;
        foreach (var point in info.GetSequencePoints())
            if (!point.IsHidden && point.Offset <= ilOffset && (best == null || point.Offset >= best.Value.Offset)) best = point;
        if (best is not { } found) return System.IO.Path.GetFileName(Path);
        string document = pdb.GetString(pdb.GetDocument(found.Document).Name);
        return $"{RepoRelative(document)}:{found.StartLine}";
    }

    static string RepoRelative(string document)
    {
        int src = document.Replace('\\', '/').LastIndexOf("/src/", StringComparison.Ordinal);
        return src >= 0 ? document[(src + 1)..] : System.IO.Path.GetFileName(document);
    }

    public void Dispose()
    {
        pdbProvider?.Dispose();
        pe.Dispose();
    }
}
