using System.Collections.Immutable;
using System.Reflection.Metadata;

namespace RlhfPlatform.NativeSafety.Tests.IlScan;

/// <summary>
/// Names a method the same way whether it is a definition in TorchSharp.dll or a reference to it from
/// another assembly: "Namespace.Outer/Nested::name(param types)". Generic instantiations name their
/// generic definition, so a call through Module&lt;Tensor, Tensor&gt; matches the definition in Module`2.
/// </summary>
public static class MethodKeys
{
    public static string OfDefinition(MetadataReader md, MethodDefinitionHandle handle)
    {
        var method = md.GetMethodDefinition(handle);
        var signature = method.DecodeSignature(TypeNames.Instance, null);
        return Key(TypeNames.Of(md, method.GetDeclaringType()), md.GetString(method.Name), signature);
    }

    /// <summary>The key of a call/newobj/ldftn operand, or null when it names neither a definition nor a reference.</summary>
    public static (string Key, string DeclaringType)? OfOperand(MetadataReader md, EntityHandle handle)
    {
        switch (handle.Kind)
        {
            case HandleKind.MethodDefinition:
            {
                var definition = (MethodDefinitionHandle)handle;
                return (OfDefinition(md, definition), TypeNames.Of(md, md.GetMethodDefinition(definition).GetDeclaringType()));
            }
            case HandleKind.MemberReference:
            {
                var reference = md.GetMemberReference((MemberReferenceHandle)handle);
                if (reference.GetKind() != MemberReferenceKind.Method) return null;
                string declaring = TypeNames.OfParent(md, reference.Parent);
                var signature = reference.DecodeMethodSignature(TypeNames.Instance, null);
                return (Key(declaring, md.GetString(reference.Name), signature), declaring);
            }
            case HandleKind.MethodSpecification:
                return OfOperand(md, md.GetMethodSpecification((MethodSpecificationHandle)handle).Method);
            default:
                return null;
        }
    }

    /// <summary>The return type's name of a call operand (generic instantiations by their definition).</summary>
    public static string? ReturnType(MetadataReader md, EntityHandle handle) => handle.Kind switch
    {
        HandleKind.MethodDefinition => md.GetMethodDefinition((MethodDefinitionHandle)handle).DecodeSignature(TypeNames.Instance, null).ReturnType,
        HandleKind.MemberReference when md.GetMemberReference((MemberReferenceHandle)handle).GetKind() == MemberReferenceKind.Method
            => md.GetMemberReference((MemberReferenceHandle)handle).DecodeMethodSignature(TypeNames.Instance, null).ReturnType,
        HandleKind.MethodSpecification => ReturnType(md, md.GetMethodSpecification((MethodSpecificationHandle)handle).Method),
        _ => null,
    };

    static string Key(string declaringType, string name, MethodSignature<string> signature) =>
        $"{declaringType}::{name}({string.Join(", ", signature.ParameterTypes)})";

    /// <summary>Type names as text; the same type gets the same name from a definition and from a reference.</summary>
    sealed class TypeNames : ISignatureTypeProvider<string, object?>
    {
        public static readonly TypeNames Instance = new();

        public static string Of(MetadataReader md, TypeDefinitionHandle handle)
        {
            var type = md.GetTypeDefinition(handle);
            var declaring = type.GetDeclaringType();
            return declaring.IsNil ? Join(md.GetString(type.Namespace), md.GetString(type.Name)) : $"{Of(md, declaring)}/{md.GetString(type.Name)}";
        }

        public static string Of(MetadataReader md, TypeReferenceHandle handle)
        {
            var type = md.GetTypeReference(handle);
            return type.ResolutionScope.Kind == HandleKind.TypeReference
                ? $"{Of(md, (TypeReferenceHandle)type.ResolutionScope)}/{md.GetString(type.Name)}"
                : Join(md.GetString(type.Namespace), md.GetString(type.Name));
        }

        public static string OfParent(MetadataReader md, EntityHandle parent) => parent.Kind switch
        {
            HandleKind.TypeReference => Of(md, (TypeReferenceHandle)parent),
            HandleKind.TypeDefinition => Of(md, (TypeDefinitionHandle)parent),
            HandleKind.TypeSpecification => StripInstantiation(md.GetTypeSpecification((TypeSpecificationHandle)parent).DecodeSignature(Instance, null)),
            _ => "?",
        };

        static string StripInstantiation(string name) => name.IndexOf('<') is var i and > 0 ? name[..i] : name;

        static string Join(string ns, string name) => ns.Length == 0 ? name : $"{ns}.{name}";

        public string GetArrayType(string elementType, ArrayShape shape) => $"{elementType}[{new string(',', shape.Rank - 1)}]";
        public string GetByReferenceType(string elementType) => elementType + "&";
        public string GetFunctionPointerType(MethodSignature<string> signature) => "fnptr";
        public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) => $"{genericType}<{string.Join(",", typeArguments)}>";
        public string GetGenericMethodParameter(object? genericContext, int index) => $"!!{index}";
        public string GetGenericTypeParameter(object? genericContext, int index) => $"!{index}";
        public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;
        public string GetPinnedType(string elementType) => elementType;
        public string GetPointerType(string elementType) => elementType + "*";
        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode.ToString();
        public string GetSZArrayType(string elementType) => elementType + "[]";
        public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => Of(reader, handle);
        public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => Of(reader, handle);
        public string GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);
    }
}
