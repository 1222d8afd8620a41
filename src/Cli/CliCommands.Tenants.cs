using System.CommandLine;
using System.Globalization;
using OrleansTenants.Abstractions.Administration;
using Spectre.Console;

namespace OrleansTenants.Cli;

/// <summary><c>tenants</c>: create, list, show, deactivate and check tenants, and replace their own connection settings.</summary>
internal sealed partial class CliCommands
{
    private Command Tenants()
    {
        var tenants = new Command("tenants", "Create, list, show, deactivate and check tenants.");

        var list = new Command("list", "List every tenant: placement, status and the silo holding its activation.");
        Admin(list, async (s, _, ct) =>
        {
            var response = await s.Client.ListTenantsAsync(ct);
            if (s.Json)
            {
                return s.WriteJson(response.Json);
            }

            if (response.Value.Count == 0)
            {
                s.Out.WriteLine("No tenants.");
                return 0;
            }

            var table = s.Console.Table("ID", "NAME", "INDUSTRY", "MODE", "DATABASE", "STATUS", "ACTIVATION");
            foreach (var t in response.Value.OrderBy(t => t.Id, StringComparer.Ordinal))
            {
                table.Row(t.Id, t.Name, t.Industry, t.Placement.Mode, t.Placement.Database, t.Status, t.Activation);
            }

            s.Console.Write(table);
            return 0;
        });

        var id = TenantIdArgument();
        var show = new Command("show", "Show one tenant.") { id };
        Admin(show, async (s, p, ct) =>
        {
            var response = await s.Client.GetTenantAsync(p.GetValue(id)!, ct);
            return s.Json ? s.WriteJson(response.Json) : WriteTenant(s.Console, response.Value);
        });

        var createId = TenantIdArgument();
        var name = new Option<string>("--name") { Description = "Display name.", Required = true };
        var industry = new Option<string>("--industry") { Description = "Industry (free text)." };
        var placement = new PlacementOptions();
        var create = new Command("create", "Create a tenant with a placement.") { createId, name, industry };
        placement.AddTo(create);
        Admin(create, async (s, p, ct) =>
        {
            var response = await s.Client.CreateTenantAsync(new CreateTenantRequest(p.GetValue(createId), p.GetValue(name), p.GetValue(industry), placement.Read(p)), ct);
            if (s.Json)
            {
                return s.WriteJson(response.Json);
            }

            s.Out.WriteLine($"Created tenant {response.Value.Id}.");
            return WriteTenant(s.Console, response.Value);
        });

        var deactivateId = TenantIdArgument();
        var deactivate = new Command("deactivate", "Deactivate the tenant's grain; when this returns, its activation is gone.") { deactivateId };
        Admin(deactivate, async (s, p, ct) =>
        {
            var tenant = p.GetValue(deactivateId)!;
            var response = await s.Client.DeactivateTenantAsync(tenant, ct);
            if (s.Json)
            {
                return s.WriteJson(response.Json);
            }

            s.Out.WriteLine(response.Value.Deactivated
                ? $"Deactivated tenant {tenant}: its activation is gone."
                : $"Tenant {tenant} had no activation.");
            return 0;
        });

        var healthId = TenantIdArgument();
        var health = new Command("health", "Test the tenant's database connection (exit code 1 when it cannot connect or query).") { healthId };
        Admin(health, async (s, p, ct) =>
        {
            var response = await s.Client.GetTenantHealthAsync(p.GetValue(healthId)!, ct);
            var h = response.Value;
            var healthy = h.CanConnect && h.CanQuery;
            if (s.Json)
            {
                s.WriteJson(response.Json);
                return healthy ? 0 : 1;
            }

            s.Console.WriteDetails(
            [
                ("tenant", p.GetValue(healthId)),
                ("healthy", CliOutput.YesNo(healthy)),
                ("can connect", CliOutput.YesNo(h.CanConnect)),
                ("can query", CliOutput.YesNo(h.CanQuery)),
                ("rls enabled", CliOutput.YesNo(h.RlsEnabled)),
                ("response time", h.ResponseTimeMs.ToString("0.0", CultureInfo.InvariantCulture) + " ms"),
                ("error", h.Error),
            ]);
            return healthy ? 0 : 1;
        });

        tenants.Subcommands.Add(list);
        tenants.Subcommands.Add(show);
        tenants.Subcommands.Add(create);
        tenants.Subcommands.Add(deactivate);
        tenants.Subcommands.Add(health);
        tenants.Subcommands.Add(Connection());
        tenants.Subcommands.Add(Move());
        tenants.Subcommands.Add(MovesList());
        tenants.Subcommands.Add(CancelMove());
        tenants.Subcommands.Add(MoveAll());
        return tenants;
    }

    private Command Connection()
    {
        var id = TenantIdArgument();
        var connectionString = new Option<string>("--connection-string") { Description = "The new connection string (application role).", Required = true };
        var replicas = ReplicaOption("A read replica's connection string; repeat for several.");
        var set = new Command("set", "Replace the tenant's connection settings; when this returns, no silo uses the old ones.")
        {
            id, connectionString, replicas,
        };
        Admin(set, async (s, p, ct) =>
        {
            var tenant = p.GetValue(id)!;
            var response = await s.Client.ReplaceConnectionAsync(
                tenant, new ReplaceConnectionRequest(p.GetValue(connectionString), NullIfEmpty(p.GetValue(replicas))), ct);
            if (s.Json)
            {
                return s.WriteJson(response.Json);
            }

            s.Out.WriteLine($"Replaced the connection settings of tenant {tenant}; no silo uses the old ones.");
            return 0;
        });

        var connection = new Command("connection", "A tenant's own connection settings.");
        connection.Subcommands.Add(set);
        return connection;
    }

    private static int WriteTenant(IAnsiConsole console, TenantView t)
    {
        console.WriteDetails(
        [
            ("id", t.Id),
            ("name", t.Name),
            ("industry", t.Industry),
            ("status", t.Status),
            ("mode", t.Placement.Mode),
            ("database", t.Placement.Database),
            ("own connection", CliOutput.YesNo(t.Placement.OwnConnectionSettings)),
            ("max pool size", CliOutput.Number(t.Placement.MaxPoolSize)),
            ("max concurrency", CliOutput.Number(t.Placement.MaxConcurrency)),
            ("activation", t.Activation ?? "none"),
            ("created", CliOutput.Time(t.CreatedAt)),
            ("updated", CliOutput.Time(t.UpdatedAt)),
        ]);
        return 0;
    }
}
