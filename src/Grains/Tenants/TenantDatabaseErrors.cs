using System.Net.Sockets;
using Npgsql;

namespace OrleansTenants.Grains.Tenants;

/// <summary>Which database errors mean "unreachable for now", and how to describe them without secrets.</summary>
internal static class TenantDatabaseErrors
{
    /// <summary>Connection-level failures (the database is down, refuses, or rejects our credentials): they open the circuit.</summary>
    public static bool IsUnavailable(Exception exception) => exception switch
    {
        PostgresException postgres => postgres.SqlState.StartsWith("08", StringComparison.Ordinal)
            || postgres.SqlState.StartsWith("28", StringComparison.Ordinal)
            || postgres.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown
                or PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.TooManyConnections or PostgresErrorCodes.InvalidCatalogName,
        NpgsqlException npgsql => npgsql.InnerException is SocketException or TimeoutException or EndOfStreamException or IOException || npgsql.IsTransient,
        TimeoutException => true,
        _ => false,
    };

    /// <summary>A statement that ran past the tenant's statement timeout.</summary>
    public static bool IsStatementTimeout(Exception exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.QueryCanceled };

    /// <summary>The error's class and message: Npgsql and PostgreSQL never put passwords in them.</summary>
    public static string Describe(Exception exception) => exception switch
    {
        PostgresException postgres => $"{postgres.SqlState}: {postgres.MessageText}",
        NpgsqlException { InnerException: SocketException socket } => $"cannot connect: {socket.SocketErrorCode}",
        _ => exception.Message,
    };
}
