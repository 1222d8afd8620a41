using System.Text;
using OrleansTenants.Catalog.Store;

namespace OrleansTenants.Silo.Embedded;

/// <summary>
/// What the embedded default tells its user once the silo listens: on the first start the admin key and
/// demo API keys with example calls (also written to a 0600 file), on later starts only where to find them.
/// </summary>
public sealed class DemoBanner(EmbeddedCatalog embedded, IReadOnlyList<(string Id, string Mode)> tenants, IReadOnlyList<IssuedApiKey>? newKeys)
{
    public string Render(string baseUrl, string adminKey)
    {
        var text = new StringBuilder();
        text.AppendLine().AppendLine("OrleansTenants embedded demo");
        text.AppendLine($"  data directory: {embedded.DataDirectory}");
        if (!embedded.Server.DataDirectory.StartsWith(embedded.DataDirectory + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            text.AppendLine($"  PostgreSQL data: {embedded.Server.DataDirectory} (the postgres account cannot enter the data directory)");
        }

        text.AppendLine($"  tenants: {string.Join(", ", tenants.Select(t => $"{t.Id} ({t.Mode})"))}");
        if (newKeys is null)
        {
            text.AppendLine($"  the admin key and the demo API keys were written to {embedded.DemoKeysFile} on the first start");
            return text.ToString();
        }

        var secrets = new StringBuilder();
        secrets.AppendLine($"admin key: {adminKey}");
        foreach (var key in newKeys)
        {
            secrets.AppendLine($"{key.TenantId} API key: {key.Key}");
        }

        var first = newKeys[0];
        secrets.AppendLine();
        secrets.AppendLine("try:");
        secrets.AppendLine($"  curl {baseUrl}/readyz");
        secrets.AppendLine($"  curl -H 'Authorization: Bearer {first.Key}' {baseUrl}/api/tenants/{first.TenantId}/accounts?limit=5");
        secrets.AppendLine($"  curl -H 'Authorization: Bearer {adminKey}' {baseUrl}/admin/tenants");

        PrivateFile.Write(embedded.DemoKeysFile, secrets.ToString());

        text.AppendLine($"  shown once, and kept in {embedded.DemoKeysFile} (mode 0600):");
        text.Append(secrets);
        return text.ToString();
    }
}
