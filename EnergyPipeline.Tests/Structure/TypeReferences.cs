using System.Collections.Immutable;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace EnergyPipeline.Tests.Structure;

/// <summary>
/// The types a compiled assembly's code refers to, read from its metadata (System.Reflection.Metadata): base types,
/// interfaces, field, method, property and local signatures, custom attributes, generic constraints and every token in
/// the method bodies' IL. What the compiler inlines (constants, <c>nameof</c>) leaves no reference and is not seen.
/// </summary>
internal sealed class TypeReferences : IDisposable
{
    private static readonly Dictionary<short, OperandType> OperandTypes = typeof(OpCodes).GetFields()
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value, o => o.OperandType);

    private readonly PEReader _pe;
    private readonly SignatureTypes _signatures = new();

    public TypeReferences(string assemblyPath)
    {
        _pe = new PEReader(File.OpenRead(assemblyPath));
        Reader = _pe.GetMetadataReader();
    }

    public MetadataReader Reader { get; }

    /// <summary>A place that refers to types: a type's own declaration, or one of its methods (signature and body).</summary>
    public sealed record Site(TypeDefinitionHandle Type, MethodDefinitionHandle? Method, IReadOnlySet<EntityHandle> Referenced);

    /// <summary>Every type definition's declaration and every method, each with the types it refers to.</summary>
    public IEnumerable<Site> Sites()
    {
        foreach (var typeHandle in Reader.TypeDefinitions)
        {
            var type = Reader.GetTypeDefinition(typeHandle);
            var declared = new HashSet<EntityHandle>();
            AddType(declared, type.BaseType);
            foreach (var implementation in type.GetInterfaceImplementations())
            {
                AddType(declared, Reader.GetInterfaceImplementation(implementation).Interface);
            }

            foreach (var field in type.GetFields())
            {
                var definition = Reader.GetFieldDefinition(field);
                declared.UnionWith(definition.DecodeSignature(_signatures, null));
                AddAttributes(declared, definition.GetCustomAttributes());
            }

            foreach (var property in type.GetProperties())
            {
                var definition = Reader.GetPropertyDefinition(property);
                AddMethodSignature(declared, definition.DecodeSignature(_signatures, null));
                AddAttributes(declared, definition.GetCustomAttributes());
            }

            foreach (var eventHandle in type.GetEvents())
            {
                AddType(declared, Reader.GetEventDefinition(eventHandle).Type);
            }

            AddGenericParameters(declared, type.GetGenericParameters());
            AddAttributes(declared, type.GetCustomAttributes());
            yield return new Site(typeHandle, null, declared);

            foreach (var methodHandle in type.GetMethods())
            {
                yield return new Site(typeHandle, methodHandle, MethodReferences(methodHandle));
            }
        }
    }

    /// <summary>The namespace a type belongs to: its own, or for a nested type its outermost declaring type's.</summary>
    public string NamespaceOf(TypeDefinitionHandle handle)
    {
        var type = Reader.GetTypeDefinition(handle);
        while (type.IsNested)
        {
            type = Reader.GetTypeDefinition(type.GetDeclaringType());
        }

        return Reader.GetString(type.Namespace);
    }

    /// <summary>The full name of a type definition or reference, nested types as Outer+Inner.</summary>
    public string NameOf(EntityHandle handle)
    {
        if (handle.Kind == HandleKind.TypeDefinition)
        {
            var type = Reader.GetTypeDefinition((TypeDefinitionHandle)handle);
            var name = Reader.GetString(type.Name);
            return type.IsNested ? $"{NameOf(type.GetDeclaringType())}+{name}" : Qualified(Reader.GetString(type.Namespace), name);
        }

        var reference = Reader.GetTypeReference((TypeReferenceHandle)handle);
        var referenceName = Reader.GetString(reference.Name);
        return reference.ResolutionScope.Kind == HandleKind.TypeReference
            ? $"{NameOf(reference.ResolutionScope)}+{referenceName}"
            : Qualified(Reader.GetString(reference.Namespace), referenceName);
    }

    /// <summary>The assembly a type reference points into (outer type's scope for a nested one); null for other scopes.</summary>
    public string? AssemblyOf(TypeReferenceHandle handle)
    {
        var scope = Reader.GetTypeReference(handle).ResolutionScope;
        while (scope.Kind == HandleKind.TypeReference)
        {
            scope = Reader.GetTypeReference((TypeReferenceHandle)scope).ResolutionScope;
        }

        return scope.Kind == HandleKind.AssemblyReference
            ? Reader.GetString(Reader.GetAssemblyReference((AssemblyReferenceHandle)scope).Name)
            : null;
    }

    public void Dispose() => _pe.Dispose();

    private static string Qualified(string ns, string name) => ns.Length == 0 ? name : $"{ns}.{name}";

    private HashSet<EntityHandle> MethodReferences(MethodDefinitionHandle handle)
    {
        var referenced = new HashSet<EntityHandle>();
        var method = Reader.GetMethodDefinition(handle);
        AddMethodSignature(referenced, method.DecodeSignature(_signatures, null));
        AddGenericParameters(referenced, method.GetGenericParameters());
        AddAttributes(referenced, method.GetCustomAttributes());
        foreach (var parameter in method.GetParameters())
        {
            AddAttributes(referenced, Reader.GetParameter(parameter).GetCustomAttributes());
        }

        if (method.RelativeVirtualAddress == 0)
        {
            return referenced;
        }

        var body = _pe.GetMethodBody(method.RelativeVirtualAddress);
        if (!body.LocalSignature.IsNil)
        {
            var locals = Reader.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(_signatures, null);
            foreach (var local in locals)
            {
                referenced.UnionWith(local);
            }
        }

        foreach (var region in body.ExceptionRegions)
        {
            if (!region.CatchType.IsNil)
            {
                AddType(referenced, region.CatchType);
            }
        }

        var il = body.GetILReader();
        while (il.RemainingBytes > 0)
        {
            short code = il.ReadByte();
            if (code == 0xFE)
            {
                code = (short)(0xFE00 | il.ReadByte());
            }

            switch (OperandTypes[code])
            {
                case OperandType.InlineTok or OperandType.InlineType or OperandType.InlineMethod or OperandType.InlineField:
                    AddToken(referenced, MetadataTokens.EntityHandle(il.ReadInt32()));
                    break;
                case OperandType.InlineSig or OperandType.InlineString or OperandType.InlineI or OperandType.InlineBrTarget or OperandType.ShortInlineR:
                    il.Offset += 4;
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    il.Offset += 8;
                    break;
                case OperandType.InlineVar:
                    il.Offset += 2;
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    il.Offset += 1;
                    break;
                case OperandType.InlineSwitch:
                    var targets = il.ReadInt32();
                    il.Offset += 4 * targets;
                    break;
            }
        }

        return referenced;
    }

    private void AddToken(HashSet<EntityHandle> referenced, EntityHandle token)
    {
        switch (token.Kind)
        {
            case HandleKind.TypeDefinition or HandleKind.TypeReference or HandleKind.TypeSpecification:
                AddType(referenced, token);
                break;
            case HandleKind.MethodDefinition:
                referenced.Add(Reader.GetMethodDefinition((MethodDefinitionHandle)token).GetDeclaringType());
                break;
            case HandleKind.FieldDefinition:
                referenced.Add(Reader.GetFieldDefinition((FieldDefinitionHandle)token).GetDeclaringType());
                break;
            case HandleKind.MemberReference:
                var member = Reader.GetMemberReference((MemberReferenceHandle)token);
                AddToken(referenced, member.Parent);
                if (member.GetKind() == MemberReferenceKind.Method)
                {
                    AddMethodSignature(referenced, member.DecodeMethodSignature(_signatures, null));
                }
                else
                {
                    referenced.UnionWith(member.DecodeFieldSignature(_signatures, null));
                }

                break;
            case HandleKind.MethodSpecification:
                var specification = Reader.GetMethodSpecification((MethodSpecificationHandle)token);
                AddToken(referenced, specification.Method);
                foreach (var argument in specification.DecodeSignature(_signatures, null))
                {
                    referenced.UnionWith(argument);
                }

                break;
        }
    }

    private void AddType(HashSet<EntityHandle> referenced, EntityHandle type)
    {
        // A nil base type (interfaces, <Module>) decodes as type definition row 0.
        if (type.IsNil)
        {
            return;
        }

        switch (type.Kind)
        {
            case HandleKind.TypeDefinition or HandleKind.TypeReference:
                referenced.Add(type);
                break;
            case HandleKind.TypeSpecification:
                referenced.UnionWith(Reader.GetTypeSpecification((TypeSpecificationHandle)type).DecodeSignature(_signatures, null));
                break;
        }
    }

    private static void AddMethodSignature(HashSet<EntityHandle> referenced, MethodSignature<ImmutableArray<EntityHandle>> signature)
    {
        referenced.UnionWith(signature.ReturnType);
        foreach (var parameter in signature.ParameterTypes)
        {
            referenced.UnionWith(parameter);
        }
    }

    private void AddGenericParameters(HashSet<EntityHandle> referenced, GenericParameterHandleCollection parameters)
    {
        foreach (var parameter in parameters)
        {
            foreach (var constraint in Reader.GetGenericParameter(parameter).GetConstraints())
            {
                AddType(referenced, Reader.GetGenericParameterConstraint(constraint).Type);
            }
        }
    }

    private void AddAttributes(HashSet<EntityHandle> referenced, CustomAttributeHandleCollection attributes)
    {
        foreach (var attribute in attributes)
        {
            AddToken(referenced, Reader.GetCustomAttribute(attribute).Constructor);
        }
    }

    /// <summary>Decodes signatures into the type definitions and references they name.</summary>
    private sealed class SignatureTypes : ISignatureTypeProvider<ImmutableArray<EntityHandle>, object?>
    {
        public ImmutableArray<EntityHandle> GetPrimitiveType(PrimitiveTypeCode typeCode) => [];

        public ImmutableArray<EntityHandle> GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => [handle];

        public ImmutableArray<EntityHandle> GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => [handle];

        public ImmutableArray<EntityHandle> GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);

        public ImmutableArray<EntityHandle> GetSZArrayType(ImmutableArray<EntityHandle> elementType) => elementType;

        public ImmutableArray<EntityHandle> GetArrayType(ImmutableArray<EntityHandle> elementType, ArrayShape shape) => elementType;

        public ImmutableArray<EntityHandle> GetPointerType(ImmutableArray<EntityHandle> elementType) => elementType;

        public ImmutableArray<EntityHandle> GetByReferenceType(ImmutableArray<EntityHandle> elementType) => elementType;

        public ImmutableArray<EntityHandle> GetPinnedType(ImmutableArray<EntityHandle> elementType) => elementType;

        public ImmutableArray<EntityHandle> GetModifiedType(ImmutableArray<EntityHandle> modifier, ImmutableArray<EntityHandle> unmodifiedType, bool isRequired) =>
            unmodifiedType;

        public ImmutableArray<EntityHandle> GetGenericInstantiation(ImmutableArray<EntityHandle> genericType, ImmutableArray<ImmutableArray<EntityHandle>> typeArguments) =>
            [.. genericType, .. typeArguments.SelectMany(a => a)];

        public ImmutableArray<EntityHandle> GetGenericMethodParameter(object? genericContext, int index) => [];

        public ImmutableArray<EntityHandle> GetGenericTypeParameter(object? genericContext, int index) => [];

        public ImmutableArray<EntityHandle> GetFunctionPointerType(MethodSignature<ImmutableArray<EntityHandle>> signature) =>
            [.. signature.ReturnType, .. signature.ParameterTypes.SelectMany(p => p)];
    }
}
