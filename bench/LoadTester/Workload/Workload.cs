using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

namespace OrleansTenants.LoadTester.Workload;

/// <summary>A tenant the load runs against: its key and some of its rows.</summary>
internal sealed class LoadTenant(string id, string mode, string database, string apiKey)
{
    public string Id { get; } = id;

    public string Mode { get; } = mode;

    public string Database { get; } = database;

    public string ApiKey { get; } = apiKey;

    public AuthenticationHeaderValue Authorization { get; } = new("Bearer", apiKey);

    public Guid[] Accounts { get; set; } = [];

    public Guid[] Contacts { get; set; } = [];

    public override string ToString() => $"{Id} ({Mode} on {Database})";
}

internal enum Operation
{
    GetAccount,
    GetContact,
    ListAccounts,
    CreateNote,
    PatchAccount,
}

internal readonly record struct PlannedRequest(int Tenant, Operation Operation, Guid Row);

/// <summary>
/// What to call next: a tenant by Zipf popularity (ranks are a seeded shuffle of the tenants, so popularity does not
/// follow placement), then an operation by the read/write mix. Reads: 70 % GET an account, 15 % GET a contact,
/// 15 % list 20 accounts; writes: half POST a note, half PATCH an account. With churn, tenants are in groups
/// that take turns: a group is called for two periods and then left idle while the others are.
/// </summary>
internal sealed class WorkloadPlan
{
    private readonly int[] _rankToTenant;
    private readonly int[] _tenantGroup;
    private readonly Zipf _zipf;

    public WorkloadPlan(IReadOnlyList<LoadTenant> tenants, double zipfExponent, double readRatio, int seed, ChurnPattern? churn = null)
    {
        Tenants = tenants;
        ReadRatio = readRatio;
        Churn = churn;
        _zipf = new Zipf(tenants.Count, zipfExponent);
        _rankToTenant = [.. Enumerable.Range(0, tenants.Count)];
        new Random(seed).Shuffle(_rankToTenant);
        _tenantGroup = new int[tenants.Count];
        for (var rank = 0; rank < _rankToTenant.Length; rank++)
        {
            _tenantGroup[_rankToTenant[rank]] = churn is null ? 0 : rank % churn.Groups;
        }
    }

    public IReadOnlyList<LoadTenant> Tenants { get; }

    public double ReadRatio { get; }

    public ChurnPattern? Churn { get; }

    /// <summary>The tenant at a popularity rank (0 is the most popular).</summary>
    public int TenantAtRank(int rank) => _rankToTenant[rank];

    public PlannedRequest Next(Random random, double secondsSinceStart)
    {
        var tenant = PickTenant(random, secondsSinceStart);
        var t = Tenants[tenant];
        var read = random.NextDouble() < ReadRatio;
        var roll = random.NextDouble();
        var operation = read
            ? roll < 0.70 ? Operation.GetAccount : roll < 0.85 ? Operation.GetContact : Operation.ListAccounts
            : roll < 0.5 ? Operation.CreateNote : Operation.PatchAccount;
        if (operation == Operation.GetContact && t.Contacts.Length == 0)
        {
            operation = Operation.ListAccounts;
        }

        var row = operation switch
        {
            Operation.GetContact => t.Contacts[random.Next(t.Contacts.Length)],
            _ when t.Accounts.Length > 0 => t.Accounts[random.Next(t.Accounts.Length)],
            _ => Guid.Empty,
        };
        if (row == Guid.Empty && operation is Operation.GetAccount or Operation.PatchAccount)
        {
            operation = Operation.ListAccounts;
        }

        return new PlannedRequest(tenant, operation, row);
    }

    /// <summary>True when the churn pattern calls <paramref name="tenant"/>'s group at that time (always without churn).</summary>
    public bool IsActive(int tenant, double secondsSinceStart) =>
        Churn is not { } churn || churn.IsActive(_tenantGroup[tenant], secondsSinceStart);

    public static HttpRequestMessage Build(Uri baseUrl, LoadTenant tenant, PlannedRequest plan, long sequence)
    {
        var path = plan.Operation switch
        {
            Operation.GetAccount or Operation.PatchAccount => $"api/tenants/{tenant.Id}/accounts/{plan.Row}",
            Operation.GetContact => $"api/tenants/{tenant.Id}/contacts/{plan.Row}",
            Operation.ListAccounts => $"api/tenants/{tenant.Id}/accounts?limit=20",
            Operation.CreateNote => $"api/tenants/{tenant.Id}/notes",
            _ => throw new ArgumentOutOfRangeException(nameof(plan)),
        };
        var request = new HttpRequestMessage(
            plan.Operation switch { Operation.CreateNote => HttpMethod.Post, Operation.PatchAccount => HttpMethod.Patch, _ => HttpMethod.Get },
            new Uri(baseUrl, path));
        request.Headers.Authorization = tenant.Authorization;
        if (plan.Operation == Operation.CreateNote)
        {
            var account = tenant.Accounts.Length > 0 ? $",\"accountId\":\"{tenant.Accounts[(int)(sequence % tenant.Accounts.Length)]}\"" : "";
            request.Content = new StringContent($"{{\"body\":\"load test note {sequence.ToString(CultureInfo.InvariantCulture)}\"{account}}}", Encoding.UTF8, "application/json");
        }
        else if (plan.Operation == Operation.PatchAccount)
        {
            request.Content = new StringContent($"{{\"phone\":\"+1 555-{sequence % 10_000:0000}\"}}", Encoding.UTF8, "application/json");
        }

        return request;
    }

    private int PickTenant(Random random, double secondsSinceStart)
    {
        var rank = _zipf.Sample(random);
        if (Churn is null)
        {
            return _rankToTenant[rank];
        }

        for (var attempt = 0; attempt < 64 && !IsActive(_rankToTenant[rank], secondsSinceStart); attempt++)
        {
            rank = _zipf.Sample(random);
        }

        // Unlucky: walk to the next rank whose group is active (there always is one).
        while (!IsActive(_rankToTenant[rank], secondsSinceStart))
        {
            rank = (rank + 1) % _rankToTenant.Length;
        }

        return _rankToTenant[rank];
    }
}

/// <summary>
/// Tenants in <see cref="Groups"/> groups; at any time two consecutive groups are called, each for two periods of
/// <see cref="PeriodSeconds"/>, so a group is idle for (Groups - 2) periods and then comes back.
/// </summary>
internal sealed record ChurnPattern(int Groups, double PeriodSeconds)
{
    public double ActiveSeconds => 2 * PeriodSeconds;

    public double IdleSeconds => (Groups - 2) * PeriodSeconds;

    public bool IsActive(int group, double seconds)
    {
        var period = (int)Math.Floor(Math.Max(0, seconds) / PeriodSeconds);
        return group == period % Groups || group == (period + 1) % Groups;
    }
}
