using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace ChatKit.Json;

/// <summary>
/// The source-generated contracts, except that an object whose members are C# <c>required</c> is read by creating it with
/// its parameterless constructor and setting each member as it comes, like any other object. The source generator reads
/// such a type through its constructor-argument path (the required members become arguments of an object initializer):
/// every member is buffered first and the object made at the end, which made reading a stored item ~40% slower
/// (2.9 → 1.7 µs for an assistant message; bench/README.md, "Issue 20"). Stores read every page of items and every
/// turn's history through this (<see cref="ChatKitStorageJson"/>).
/// <para>
/// Nothing else changes: the members are the generated ones (names, order, converters, getters and setters, what is
/// ignored), a missing required member is still refused (<see cref="JsonPropertyInfo.IsRequired"/>) and so is a null
/// where the type does not allow one. A type keeps its generated contract when it is not an object, is polymorphic or
/// abstract, has no public parameterless constructor, was generated with a constructor that takes arguments, or has a
/// constructor-bound member that only the generated path can set (an <c>init</c> member).
/// </para>
/// </summary>
internal sealed class SetterContracts(IJsonTypeInfoResolver generated) : IJsonTypeInfoResolver
{
    private readonly ConcurrentDictionary<Type, Func<object>?> _factories = new();

    public JsonTypeInfo? GetTypeInfo(Type type, JsonSerializerOptions options)
    {
        var source = generated.GetTypeInfo(type, options);
        if (source is null || Factory(source) is not { } create) return source;
        var contract = JsonTypeInfo.CreateJsonTypeInfo(type, options);
        contract.CreateObject = create;
        contract.NumberHandling = source.NumberHandling;
        contract.UnmappedMemberHandling = source.UnmappedMemberHandling;
        contract.PreferredPropertyObjectCreationHandling = source.PreferredPropertyObjectCreationHandling;
        contract.OnSerializing = source.OnSerializing;
        contract.OnSerialized = source.OnSerialized;
        contract.OnDeserializing = source.OnDeserializing;
        contract.OnDeserialized = source.OnDeserialized;
        foreach (var member in source.Properties)
            contract.Properties.Add(Copy(contract, member));
        return contract;
    }

    private Func<object>? Factory(JsonTypeInfo source) => _factories.GetOrAdd(source.Type, _ => FactoryOf(source));

    private static Func<object>? FactoryOf(JsonTypeInfo source)
    {
        var type = source.Type;
        if (source.Kind != JsonTypeInfoKind.Object || source.CreateObject is not null || source.PolymorphismOptions is not null || type.IsAbstract)
            return null;
        if (source.ConstructorAttributeProvider is not ConstructorInfo { IsPublic: true } constructor || constructor.GetParameters().Length != 0)
            return null;
        // Constructor-bound members are the required and init-only ones; each must have a setter that works after
        // construction (the generated setter of an init-only member throws).
        if (source.Properties.Any(p => p.AssociatedParameter is not null && !SettableLater(p)))
            return null;
        return () => Activator.CreateInstance(type)!;
    }

    private static bool SettableLater(JsonPropertyInfo member) =>
        member.Set is not null && member.AttributeProvider switch
        {
            PropertyInfo { SetMethod: { } setter } => !setter.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(IsExternalInit)),
            FieldInfo field => !field.IsInitOnly,
            _ => false,
        };

    private static bool WrittenWhenNull(JsonPropertyInfo member) =>
        member.AttributeProvider?.GetCustomAttributes(typeof(System.Text.Json.Serialization.JsonIgnoreAttribute), inherit: true)
            is [System.Text.Json.Serialization.JsonIgnoreAttribute { Condition: System.Text.Json.Serialization.JsonIgnoreCondition.Never }, ..];

    private static JsonPropertyInfo Copy(JsonTypeInfo contract, JsonPropertyInfo member)
    {
        var copy = contract.CreateJsonPropertyInfo(member.PropertyType, member.Name);
        copy.Get = member.Get;
        copy.Set = member.Set;
        // A new member takes the options' ignore condition (nulls left out); one the type marks [JsonIgnore(Condition = Never)]
        // keeps being written when null.
        copy.ShouldSerialize = member.ShouldSerialize ?? (WrittenWhenNull(member) ? static (_, _) => true : null);
        copy.CustomConverter = member.CustomConverter;
        copy.IsRequired = member.IsRequired;
        copy.IsExtensionData = member.IsExtensionData;
        copy.IsGetNullable = member.IsGetNullable;
        copy.IsSetNullable = member.IsSetNullable;
        copy.NumberHandling = member.NumberHandling;
        copy.ObjectCreationHandling = member.ObjectCreationHandling;
        copy.Order = member.Order;
        copy.AttributeProvider = member.AttributeProvider;
        return copy;
    }
}
