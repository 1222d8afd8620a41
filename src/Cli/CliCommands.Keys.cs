using System.CommandLine;
using OrleansTenants.Abstractions.Administration;

namespace OrleansTenants.Cli;

/// <summary><c>keys</c>: issue and revoke tenant API keys.</summary>
internal sealed partial class CliCommands
{
    private Command Keys()
    {
        var keys = new Command("keys", "Issue and revoke tenant API keys.");

        var tenant = TenantIdArgument("tenant");
        var name = new Option<string>("--name") { Description = "A label for the key (who or what uses it)." };
        var issue = new Command("issue", "Issue an API key for a tenant; the key is printed once and never again.") { tenant, name };
        Admin(issue, async (s, p, ct) =>
        {
            var tenantId = p.GetValue(tenant)!;
            var response = await s.Client.IssueApiKeyAsync(tenantId, new IssueApiKeyRequest(p.GetValue(name)), ct);
            if (s.Json)
            {
                return s.WriteJson(response.Json);
            }

            s.Out.WriteLine($"Issued API key {response.Value.Id} for tenant {tenantId}.");
            s.Out.WriteLine("The key is shown only this once; store it now:");
            s.Out.WriteLine();
            s.Out.WriteLine($"    {response.Value.Key}");
            s.Out.WriteLine();
            s.Out.WriteLine($"Send it as 'Authorization: Bearer <key>' to /api/tenants/{tenantId}/...");
            s.Out.WriteLine($"Revoke it with: keys revoke {tenantId} {response.Value.Id}");
            return 0;
        });

        var revokeTenant = TenantIdArgument("tenant");
        var keyId = new Argument<Guid>("keyId") { Description = "The key's id, as printed by `keys issue`." };
        var revoke = new Command("revoke", "Revoke an API key; when this returns, no silo accepts it.") { revokeTenant, keyId };
        Admin(revoke, async (s, p, ct) =>
        {
            var tenantId = p.GetValue(revokeTenant)!;
            var id = p.GetValue(keyId);
            await s.Client.RevokeApiKeyAsync(tenantId, id, ct);
            s.Out.WriteLine(s.Json ? "{ \"revoked\": true }" : $"Revoked API key {id} of tenant {tenantId}.");
            return 0;
        });

        keys.Subcommands.Add(issue);
        keys.Subcommands.Add(revoke);
        return keys;
    }
}
