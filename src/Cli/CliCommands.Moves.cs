using System.CommandLine;
using System.Globalization;
using OrleansTenants.Abstractions.Administration;
using OrleansTenants.Abstractions.Moves;
using Spectre.Console;

namespace OrleansTenants.Cli;

/// <summary>
/// <c>tenants move</c>, <c>tenants moves</c> and <c>tenants cancel-move</c>: start a move and follow it to its end, list a
/// tenant's moves, cancel an online move before its cut-over.
/// </summary>
internal sealed partial class CliCommands
{
    private static readonly TimeSpan MovePollInterval = TimeSpan.FromMilliseconds(250);

    private Command Move()
    {
        var id = TenantIdArgument();
        var placement = new PlacementOptions();
        var noWait = new Option<bool>("--no-wait") { Description = "Print the accepted move and return instead of following it to its end." };
        var how = new Option<string>("--copy")
        {
            Description = "online: by logical replication while the tenant serves, only its writes pause for the cut-over; "
                + "offline: its calls wait during the whole copy. Default: online where the servers allow it.",
        };
        how.AcceptOnlyFromAmong(TenantMoveModes.Online, TenantMoveModes.Offline);
        var move = new Command("move", "Move a tenant to another database. Exit code 1 when the move fails or is cancelled.") { id, noWait, how };
        placement.AddTo(move);
        Admin(move, async (s, p, ct) =>
        {
            var tenant = p.GetValue(id)!;
            var started = await s.Client.StartMoveAsync(tenant, new MoveTenantRequest(placement.Read(p), p.GetValue(how)), ct);
            var current = started;
            // Followed until nothing is left to do: an online move's cleanup goes on after it completed.
            while (!p.GetValue(noWait) && (TenantMoveStatuses.IsOpen(current.Value.Status) || current.Value.Phase is not null))
            {
                await Task.Delay(MovePollInterval, ct);
                current = await s.Client.GetMoveAsync(tenant, started.Value.Id, ct);
            }

            if (s.Json)
            {
                s.WriteJson(current.Json);
            }
            else
            {
                WriteMove(s.Console, current.Value);
            }

            return current.Value.Status is TenantMoveStatuses.Failed or TenantMoveStatuses.Cancelled ? 1 : 0;
        });
        return move;
    }

    private Command CancelMove()
    {
        var id = TenantIdArgument();
        var moveId = new Argument<Guid>("move-id") { Description = "The move to cancel." };
        var cancel = new Command("cancel-move", "Cancel an online move before its cut-over; its replication and what it copied are dropped.") { id, moveId };
        Admin(cancel, async (s, p, ct) =>
        {
            var response = await s.Client.CancelMoveAsync(p.GetValue(id)!, p.GetValue(moveId), ct);
            if (s.Json)
            {
                return s.WriteJson(response.Json);
            }

            WriteMove(s.Console, response.Value);
            return 0;
        });
        return cancel;
    }

    private Command MovesList()
    {
        var id = TenantIdArgument();
        var moves = new Command("moves", "List a tenant's moves, oldest first.") { id };
        Admin(moves, async (s, p, ct) =>
        {
            var response = await s.Client.ListMovesAsync(p.GetValue(id)!, ct);
            if (s.Json)
            {
                return s.WriteJson(response.Json);
            }

            var table = s.Console.Table("MOVE", "FROM", "TO", "STATUS", "ROWS", "STARTED", "FINISHED", "ERROR");
            foreach (var m in response.Value)
            {
                table.Row(m.Id.ToString(), m.FromDatabase, m.ToDatabase, m.Status, m.RowsCopied.ToString(CultureInfo.InvariantCulture),
                    m.StartedAt?.ToString("u", CultureInfo.InvariantCulture), m.FinishedAt?.ToString("u", CultureInfo.InvariantCulture), m.Error);
            }

            s.Console.Write(table);
            return 0;
        });
        return moves;
    }

    private static void WriteMove(IAnsiConsole console, TenantMove move) =>
        console.WriteDetails(
        [
            ("move", move.Id.ToString()),
            ("tenant", move.TenantId),
            ("from", $"{move.FromDatabase} ({move.FromMode})"),
            ("to", $"{move.ToDatabase} ({move.ToMode})"),
            ("mode", move.Mode),
            ("status", move.Status),
            ("phase", move.Phase),
            ("lag", move.LagBytes is { } lag ? $"{lag.ToString(CultureInfo.InvariantCulture)} bytes{(move.LagSeconds is { } seconds ? $", {seconds.ToString("0.0", CultureInfo.InvariantCulture)} s" : "")}" : null),
            ("copied so far", move.Status == TenantMoveStatuses.Running && move.RowsByTable is { } copied
                ? string.Join(", ", copied.Where(t => t.Rows > 0).Select(t => $"{t.Table} {t.Rows.ToString(CultureInfo.InvariantCulture)}"))
                : null),
            ("write pause", move.WritePauseMs is { } pause ? $"{pause.ToString("0.0", CultureInfo.InvariantCulture)} ms" : null),
            ("rows copied", move.RowsCopied.ToString(CultureInfo.InvariantCulture)),
            ("verified", Verified(move.Verification)),
            ("error", move.Error),
        ]);

    private static string? Verified(IReadOnlyList<TableVerification>? tables) =>
        tables switch
        {
            null => null,
            _ when tables.All(t => t.Matches) => $"{tables.Count} tables: row counts and checksums match",
            _ => "differs in " + string.Join(", ", tables.Where(t => !t.Matches).Select(t => t.Table)),
        };
}
