using System.Net;
using System.Text;
using System.Text.Json;
using FluentAssertions;
using FsCheck;
using FsCheck.Fluent;
using Npgsql;
using OrleansTenants.Crm;
using Xunit;

namespace OrleansTenants.Api.Tests.Fuzz;

[CollectionDefinition(Name)]
public sealed class FuzzSuite : ICollectionFixture<FuzzFixture>
{
    public const string Name = "Fuzz";
}

/// <summary>
/// A cluster with one single-mode tenant (its rows in the catalog database, which the tests read as a superuser to
/// see every change) and a neighbour tenant whose key must never work here. Every resource gets a few seeded rows,
/// generated like the fuzz cases, for references, filters and unique clashes to point at.
/// </summary>
public sealed class FuzzFixture : IAsyncLifetime
{
    private const int SeedsPerResource = 3;
    private NpgsqlDataSource? _database;

    public ApiCluster Cluster { get; } = new();

    public string Tenant { get; } = $"fuzz-{Guid.NewGuid():N}"[..13];

    public string Key { get; private set; } = null!;

    public string NeighbourKey { get; private set; } = null!;

    /// <summary>The tenant's client: its key on every request.</summary>
    public HttpClient Http { get; private set; } = null!;

    /// <summary>A client with no default headers, for requests that set their own Authorization.</summary>
    public HttpClient Bare { get; private set; } = null!;

    internal Dictionary<string, List<Guid>> SeedIds { get; } = [];

    /// <summary>Each seeded row as the API returned it.</summary>
    internal Dictionary<string, List<JsonElement>> SeedRows { get; } = [];

    internal FieldValues Values { get; private set; } = null!;

    internal BodyCases Bodies { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Cluster.InitializeAsync();
        Key = await Cluster.CreateTenantAsync(Tenant, new { mode = "single" });
        NeighbourKey = await Cluster.CreateTenantAsync(Tenant + "-n", new { mode = "single" });
        Http = Cluster.TenantClient(Key);
        Bare = new HttpClient { BaseAddress = Http.BaseAddress };
        _database = NpgsqlDataSource.Create(Cluster.CatalogConnectionString);
        Values = new FieldValues(SeedIds);
        Bodies = new BodyCases(Values, SeedMembers);
        await SeedAsync();
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        Bare?.Dispose();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        await Cluster.DisposeAsync();
    }

    /// <summary>Every CRM row and idempotency key in the database, one digest per table: equal digests, no row changed.</summary>
    public async Task<string> SnapshotAsync()
    {
        var tables = CrmResources.All.Select(r => r.Table).Append("idempotency_keys");
        var sql = string.Join(" UNION ALL ", tables.Select(t =>
            $"SELECT '{t}' || ':' || count(*) || ':' || md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) FROM {ResourceDefinition.Schema}.\"{t}\" r"));
        await using var command = _database!.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var digests = new StringBuilder();
        while (await reader.ReadAsync())
        {
            digests.Append(reader.GetString(0)).Append('\n');
        }

        return digests.ToString();
    }

    public string PathOf(ResourceDefinition resource, string? id = null) =>
        $"/api/tenants/{Tenant}/{resource.Name}" + (id is null ? string.Empty : "/" + id);

    /// <summary>A request with the tenant's key and, when given, a JSON body (sent as it is, bytes included).</summary>
    internal async Task<Reply> SendAsync(HttpMethod method, string path, byte[]? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new("application/json");
        }

        return await Reply.SendAsync(Http, request);
    }

    internal Task<Reply> SendAsync(HttpMethod method, string path, string body) => SendAsync(method, path, Encoding.UTF8.GetBytes(body));

    /// <summary>Deletes a row the fuzzer created, so that only seeded rows stay.</summary>
    public async Task DeleteAsync(ResourceDefinition resource, Guid id)
    {
        var reply = await SendAsync(HttpMethod.Delete, PathOf(resource, id.ToString()));
        reply.Status.Should().Be(HttpStatusCode.NoContent, reply.ToString());
    }

    /// <summary>The fields whose values identify a row under the resource's unique key: its required fields and the key's field.</summary>
    internal static HashSet<string> UniqueKeyFields(ResourceDefinition resource) =>
        [.. resource.RequiredFields.Select(f => f.Name).Concat(resource.UniqueKeys.Select(u => u.Field))];

    /// <summary>
    /// The field a 409 names when a row with these values (canonical, by field) would clash with a seeded row. Assumes a
    /// unique key's columns are among <see cref="UniqueKeyFields"/>, true of every key in the registry today.
    /// </summary>
    internal string? ClashingSeed(ResourceDefinition resource, Func<FieldDefinition, string?> canonical)
    {
        if (resource.UniqueKeys.Count == 0)
        {
            return null;
        }

        var fields = UniqueKeyFields(resource).Select(n => resource[n]).ToArray();
        return SeedRows[resource.Name].Any(seed => fields.All(f => RowOracle.Canonical(f, seed.GetProperty(f.Name)) == canonical(f)))
            ? resource.UniqueKeys[0].Field
            : null;
    }

    /// <summary>Valid bodies that can be created as they are: within the rules, and clashing with no seeded row.</summary>
    internal Gen<BodyCase> Creatable(ResourceDefinition resource) =>
        Bodies.ValidCreate(resource)
            .Where(b => !RowOracle.RuleFaults(resource, b.TypedValues()).Any() && ClashingSeed(resource, f => RowOracle.Sent(b.Members, f)) is null);

    /// <summary>A seeded row's writable values as members of a body.</summary>
    private Member[]? SeedMembers(ResourceDefinition resource) =>
        SeedRows.TryGetValue(resource.Name, out var rows) && rows.Count > 0
            ? [.. resource.WritableFields.Select(f => new Member(f.Name, rows[0].GetProperty(f.Name).GetRawText()))]
            : null;

    /// <summary>Seeds resources after those they reference, from the valid-body generator with a fixed seed.</summary>
    private async Task SeedAsync()
    {
        var pending = CrmResources.All.ToList();
        while (pending.Count > 0)
        {
            var ready = pending.First(r => r.Fields.All(f => f.References is null || SeedIds.ContainsKey(f.References)));
            pending.Remove(ready);
            SeedIds[ready.Name] = [];
            SeedRows[ready.Name] = [];
            var candidates = Bodies.ValidCreate(ready).Sample(50, new Rnd(FuzzSettings.Seed), 20);
            foreach (var body in candidates.Where(b => !RowOracle.RuleFaults(ready, b.TypedValues()).Any()))
            {
                using var response = await Http.PostAsync($"/api/tenants/{Tenant}/{ready.Name}", new StringContent(body.Json, Encoding.UTF8, "application/json"));
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    var row = ApiCluster.Json(await response.Content.ReadAsStringAsync());
                    SeedIds[ready.Name].Add(row.GetProperty("id").GetGuid());
                    SeedRows[ready.Name].Add(row);
                }

                if (SeedRows[ready.Name].Count == SeedsPerResource)
                {
                    break;
                }
            }

            if (SeedRows[ready.Name].Count < SeedsPerResource)
            {
                throw new InvalidOperationException($"Could not seed {ready.Name} from valid generated bodies.");
            }
        }
    }
}
