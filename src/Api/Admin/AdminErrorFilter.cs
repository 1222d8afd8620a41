using Npgsql;
using OrleansTenants.Abstractions.Administration;
using OrleansTenants.Api.Http;

namespace OrleansTenants.Api.Admin;

/// <summary>Turns the admin operations' refusals into problem responses: 400 with the field, 404, 409.</summary>
public sealed class AdminErrorFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (AdminRequestException invalid) when (invalid.Field is not null)
        {
            return ApiProblems.Field(invalid.Field, invalid.Reason!);
        }
        catch (KeyNotFoundException missing)
        {
            return ApiProblems.NotFound(missing.Message);
        }
        catch (AdminConflictException conflict)
        {
            return ApiProblems.Conflict(conflict.Message);
        }
        catch (PostgresException duplicate) when (duplicate.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return ApiProblems.Conflict($"It exists already ({duplicate.ConstraintName}).");
        }
        catch (PostgresException duplicate) when (duplicate.SqlState is PostgresErrorCodes.DuplicateObject or PostgresErrorCodes.DuplicateDatabase)
        {
            // Two requests provisioning the same tenant at once: the loser's roles or database clash with the winner's.
            return ApiProblems.Conflict("It exists already (another request created it at the same time).");
        }
    }
}
