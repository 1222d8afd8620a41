using System.CommandLine;
using System.Text.Json;
using Spectre.Console;

namespace OrleansTenants.Cli;

/// <summary><c>cluster</c> and <c>metrics</c>: the silos and their counters.</summary>
internal sealed partial class CliCommands
{
    private Command Cluster()
    {
        var cluster = new Command("cluster", "List the silos in the membership table with their activations.");
        Admin(cluster, async (s, _, ct) =>
        {
            var response = await s.Client.GetClusterAsync(ct);
            if (s.Json)
            {
                return s.WriteJson(response.Json);
            }

            if (response.Value.Silos.Count == 0)
            {
                s.Out.WriteLine("No silos.");
                return 0;
            }

            var table = s.Console.Table("ADDRESS", "NAME", "URL", "STATUS", "ACTIVATIONS", "STARTED");
            foreach (var silo in response.Value.Silos)
            {
                table.Row(silo.Address, silo.Name, silo.Url, silo.Status, CliOutput.Number(silo.Activations), CliOutput.Time(silo.StartedAt));
            }

            s.Console.Write(table);
            return 0;
        });
        return cluster;
    }

    private Command Metrics()
    {
        var metrics = new Command("metrics", "Show the answering silo's Orleans figures and catalog totals.");
        Admin(metrics, async (s, _, ct) =>
        {
            var response = await s.Client.GetMetricsAsync(ct);
            if (s.Json)
            {
                return s.WriteJson(response.Json);
            }

            var table = s.Console.Table("METRIC", "VALUE");
            Flatten(response.Value, null, table);
            s.Console.Write(table);
            return 0;
        });
        return metrics;
    }

    private static void Flatten(JsonElement element, string? prefix, Table table)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    Flatten(property.Value, prefix is null ? property.Name : $"{prefix}.{property.Name}", table);
                }

                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    Flatten(item, $"{prefix}[{index++}]", table);
                }

                break;
            case JsonValueKind.String:
                table.Row(prefix ?? "value", element.GetString());
                break;
            default:
                table.Row(prefix ?? "value", element.GetRawText());
                break;
        }
    }
}
