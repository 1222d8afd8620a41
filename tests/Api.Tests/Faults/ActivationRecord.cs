using System.Globalization;
using System.Text.Json;

namespace OrleansTenants.Api.Tests.Faults;

/// <summary>
/// A tenant activation as its silo's JSON log tells it: from "Tenant X activated" (written after Orleans registered the
/// activation in the grain directory) to "Tenant X deactivated" (written before the entry is removed), so the logged
/// interval lies within the time the activation held the tenant. Two such intervals of one tenant that overlap on two
/// silos are two activations alive at once.
/// </summary>
internal sealed record ActivationRecord(string Tenant, string Silo, DateTimeOffset Start, DateTimeOffset End)
{
    public const string TenantGrainCategory = "OrleansTenants.Grains.Tenants.TenantGrain";

    /// <summary>
    /// The activations in a silo's output. One still open ends at <paramref name="openUntil"/>: when the silo was killed
    /// (kill -9 writes nothing more), or now for a silo that still runs and so still holds it.
    /// </summary>
    public static List<ActivationRecord> Read(string silo, string output, DateTimeOffset openUntil)
    {
        var records = new List<ActivationRecord>();
        var open = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n'))
        {
            if (!line.StartsWith('{') || !line.Contains(TenantGrainCategory, StringComparison.Ordinal))
            {
                continue;
            }

            using var entry = JsonDocument.Parse(line);
            var root = entry.RootElement;
            var message = root.GetProperty("Message").GetString()!;
            var tenant = root.GetProperty("State").GetProperty("TenantId").GetString()!;
            var at = DateTimeOffset.Parse(root.GetProperty("Timestamp").GetString()!, CultureInfo.InvariantCulture);
            if (message.Contains(" activated", StringComparison.Ordinal))
            {
                open[tenant] = at;
            }
            else if (message.Contains(" deactivated", StringComparison.Ordinal) && open.Remove(tenant, out var started))
            {
                records.Add(new ActivationRecord(tenant, silo, started, at));
            }
        }

        records.AddRange(open.Select(o => new ActivationRecord(o.Key, silo, o.Value, openUntil)));
        return records;
    }

    /// <summary>Every pair of one tenant's activations on different silos that were alive at the same time.</summary>
    public static List<string> Overlaps(IEnumerable<ActivationRecord> records) =>
    [
        .. records.GroupBy(r => r.Tenant).SelectMany(tenant =>
            tenant.SelectMany(a => tenant.Where(b => a.Silo != b.Silo && a.Start < b.Start && b.Start < a.End)
                .Select(b => $"{tenant.Key}: {a.Silo} {a.Start:HH:mm:ss.fff}-{a.End:HH:mm:ss.fff} and {b.Silo} from {b.Start:HH:mm:ss.fff}"))),
    ];
}
