using System.Buffers;
using System.Text.Json;
using Npgsql;

namespace OrleansTenants.ApiBench;

/// <summary>
/// The floor: a bare minimal-API endpoint on one NpgsqlDataSource running the same statement the grain runs
/// (same transaction, same app.tenant_id for row-level security, same JSON, same pool and statement preparation),
/// with no tenancy logic around it.
/// </summary>
internal static class DirectEndpoint
{
    private const string Sql = """
        SELECT id, created_at, updated_at, name, industry, website, phone, email, description, billing_address_line1,
               billing_address_line2, billing_city, billing_region, billing_postal_code, billing_country
        FROM crm.accounts WHERE tenant_id = $1 AND id = $2
        """;

    public static async Task<WebApplication> StartAsync(string connectionString, int maxPoolSize)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = maxPoolSize, MaxAutoPrepare = 64 }.ConnectionString);
        builder.Services.AddSingleton(dataSource);
        var app = builder.Build();
        app.MapGet("/direct/{tenant}/accounts/{id:guid}", (string tenant, Guid id, NpgsqlDataSource db, HttpContext context) => GetAsync(db, tenant, id, context));
        await app.StartAsync();
        return app;
    }

    private static async Task<IResult> GetAsync(NpgsqlDataSource db, string tenant, Guid id, HttpContext context)
    {
        var ct = context.RequestAborted;
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var set = new NpgsqlCommand("SELECT set_config('app.tenant_id', $1, true), set_config('statement_timeout', '5000', true)", connection))
        {
            set.Parameters.AddWithValue(tenant);
            await set.ExecuteNonQueryAsync(ct);
        }

        byte[]? json = null;
        await using (var command = new NpgsqlCommand(Sql, connection))
        {
            command.Parameters.AddWithValue(tenant);
            command.Parameters.AddWithValue(id);
            await using var reader = await command.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct))
            {
                var buffer = new ArrayBufferWriter<byte>(512);
                using (var writer = new Utf8JsonWriter(buffer))
                {
                    writer.WriteStartObject();
                    writer.WriteString("id", reader.GetGuid(0));
                    writer.WriteString("createdAt", reader.GetFieldValue<DateTimeOffset>(1));
                    writer.WriteString("updatedAt", reader.GetFieldValue<DateTimeOffset>(2));
                    string[] names = ["name", "industry", "website", "phone", "email", "description", "billingAddressLine1", "billingAddressLine2", "billingCity", "billingRegion", "billingPostalCode", "billingCountry"];
                    for (var i = 0; i < names.Length; i++)
                    {
                        if (reader.IsDBNull(i + 3))
                        {
                            writer.WriteNull(names[i]);
                        }
                        else
                        {
                            writer.WriteString(names[i], reader.GetString(i + 3));
                        }
                    }

                    writer.WriteEndObject();
                }

                json = buffer.WrittenSpan.ToArray();
            }
        }

        await transaction.CommitAsync(ct);
        return json is null ? Results.NotFound() : Results.Bytes(json, "application/json");
    }
}
