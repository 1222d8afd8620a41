using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using OrleansTenants.Crm;

namespace OrleansTenants.Api.Tests.Fuzz;

/// <summary>
/// A generated create body or merge patch: its members in order, and the names the API must report (in
/// <c>errors</c>) because the generator broke them on purpose. Rule violations and unique clashes depend on the
/// stored rows, so the property works those out.
/// </summary>
internal sealed record BodyCase(ResourceDefinition Resource, IReadOnlyList<Member> Members, IReadOnlySet<string> Faults)
{
    public string Json => JsonText.Object(Members);

    /// <summary>The typed values of the members that are valid writable fields, as the API's rules see them.</summary>
    public Dictionary<string, object?> TypedValues()
    {
        var typed = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var member in Members.Where(m => !Faults.Contains(m.Name)))
        {
            if (Resource.TryGetField(member.Name, out var field) && field.Writable)
            {
                using var value = JsonDocument.Parse(member.Json);
                typed[field.Name] = RowOracle.Typed(field, value.RootElement);
            }
        }

        return typed;
    }

    public override string ToString() => $"{Resource.Name} {Json} (faults: {string.Join(", ", Faults)})";
}

/// <summary>Create bodies and merge patches for every resource, derived from the registry.</summary>
internal sealed class BodyCases(FieldValues values, Func<ResourceDefinition, Member[]?> seedRow)
{
    private static readonly string[] UnknownNames = ["nickname", "Name", "name ", "ID", "tenantId", "tenant_id", "$", "__proto__", "constructor", ""];

    /// <summary>A create body for any resource.</summary>
    public Gen<BodyCase> Create() => Gen.Elements(CrmResources.All.ToArray()).SelectMany(Create);

    /// <summary>A body with every required field and some optional ones, valid; the property checks the rules.</summary>
    public Gen<BodyCase> ValidCreate(ResourceDefinition resource) =>
        from optional in Gen.ArrayOf(Gen.Elements(true, false), resource.WritableFields.Count)
        from members in Gen.CollectToArray(resource.WritableFields.Where((f, i) => f.Required || optional[i])
            .Select(f => values.Valid(f).Select(v => new Member(f.Name, v.Json))))
        select new BodyCase(resource, members, new HashSet<string>(StringComparer.Ordinal));

    public Gen<BodyCase> Create(ResourceDefinition resource) =>
        from valid in ValidCreate(resource)
        from mutated in Mutate(valid, Gen.OneOf(
            [InvalidValue(resource), NullValue(resource), DropRequired(resource), Duplicate(), ReadOnly(resource), Unknown(), Clash(resource)]))
        select mutated;

    /// <summary>A merge patch of some writable fields, mostly valid values.</summary>
    public Gen<BodyCase> Patch(ResourceDefinition resource) =>
        from count in Gen.Choose(0, Math.Min(4, resource.WritableFields.Count))
        from fields in Gen.Shuffle(resource.WritableFields.ToArray())
        from members in Gen.CollectToArray(fields.Take(count).Select(f => values.Valid(f).Select(v => new Member(f.Name, v.Json))))
        from mutated in Mutate(new BodyCase(resource, members, new HashSet<string>(StringComparer.Ordinal)), Gen.OneOf(
            [InvalidValue(resource), NullValue(resource), Duplicate(), ReadOnly(resource), Unknown(), Clash(resource)]))
        select mutated;

    private static Gen<BodyCase> Mutate(BodyCase body, Gen<Func<BodyCase, Gen<BodyCase>>> mutation) =>
        from count in Gen.Frequency((5, Gen.Constant(0)), (3, Gen.Constant(1)), (1, Gen.Choose(2, 3)))
        from steps in Gen.ArrayOf(mutation, count)
        from mutated in steps.Aggregate(Gen.Constant(body), (current, step) => current.SelectMany(step))
        select mutated;

    private Func<BodyCase, Gen<BodyCase>> Set(FieldDefinition field, Gen<FieldValue> value) => body =>
        value.Select(v => body with
        {
            Members = [.. body.Members.Where(m => m.Name != field.Name), new Member(field.Name, v.Json)],
            Faults = v.Valid ? Without(body.Faults, [field.Name]) : With(body.Faults, field.Name),
        });

    private Gen<Func<BodyCase, Gen<BodyCase>>> InvalidValue(ResourceDefinition resource) =>
        Gen.Elements(resource.WritableFields.ToArray()).Select(field => Set(field, values.Invalid(field)));

    private Gen<Func<BodyCase, Gen<BodyCase>>> NullValue(ResourceDefinition resource) =>
        Gen.Elements(resource.WritableFields.ToArray())
            .Select(field => Set(field, Gen.Constant(new FieldValue("null", field.Nullable))));

    private static Gen<Func<BodyCase, Gen<BodyCase>>> DropRequired(ResourceDefinition resource) =>
        resource.RequiredFields.Count == 0
            ? Gen.Constant<Func<BodyCase, Gen<BodyCase>>>(Gen.Constant)
            : Gen.Elements(resource.RequiredFields.ToArray()).Select<FieldDefinition, Func<BodyCase, Gen<BodyCase>>>(field => body =>
                Gen.Constant(body with { Members = [.. body.Members.Where(m => m.Name != field.Name)], Faults = With(body.Faults, field.Name) }));

    private static Gen<Func<BodyCase, Gen<BodyCase>>> Duplicate() => Gen.Constant<Func<BodyCase, Gen<BodyCase>>>(body =>
        body.Members.Count == 0
            ? Gen.Constant(body)
            : Gen.Elements(body.Members.ToArray()).Select(m => body with { Members = [.. body.Members, m], Faults = With(body.Faults, m.Name) }));

    private Gen<Func<BodyCase, Gen<BodyCase>>> ReadOnly(ResourceDefinition resource) =>
        Gen.Elements(resource.Fields.Where(f => f.ReadOnly).ToArray()).Select<FieldDefinition, Func<BodyCase, Gen<BodyCase>>>(field => body =>
            (field.Type == CrmFieldType.Uuid ? Gen.Fresh(Guid.NewGuid).Select(id => JsonText.Quote(id.ToString("D"))) : values.ValidText(field, forQuery: false).Select(JsonText.Quote))
                .Select(json => body with { Members = [.. body.Members, new Member(field.Name, json)], Faults = With(body.Faults, field.Name) }));

    private static Gen<Func<BodyCase, Gen<BodyCase>>> Unknown() =>
        Gen.Elements(UnknownNames).Select<string, Func<BodyCase, Gen<BodyCase>>>(name => body =>
            Gen.Constant(body with { Members = [.. body.Members, new Member(name, "1")], Faults = With(body.Faults, name.Length == 0 ? "(empty name)" : name) }));

    /// <summary>Takes a seeded row's values for the fields of the resource's unique key (see <see cref="FuzzFixture.ClashingSeed"/>).</summary>
    private Gen<Func<BodyCase, Gen<BodyCase>>> Clash(ResourceDefinition resource) => Gen.Constant<Func<BodyCase, Gen<BodyCase>>>(body =>
    {
        var seed = seedRow(resource);
        if (resource.UniqueKeys.Count == 0 || seed is null)
        {
            return Gen.Constant(body);
        }

        var copied = seed.Where(m => FuzzFixture.UniqueKeyFields(resource).Contains(m.Name)).ToArray();
        return Gen.Constant(body with
        {
            Members = [.. body.Members.Where(m => copied.All(c => c.Name != m.Name)), .. copied],
            Faults = Without(body.Faults, copied.Select(c => c.Name)),
        });
    });

    private static HashSet<string> With(IReadOnlySet<string> faults, string name) => new(faults.Append(name), StringComparer.Ordinal);

    private static HashSet<string> Without(IReadOnlySet<string> faults, IEnumerable<string> names) => new(faults.Except(names), StringComparer.Ordinal);
}
