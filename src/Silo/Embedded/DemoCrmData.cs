using Bogus;
using Npgsql;

namespace OrleansTenants.Silo.Embedded;

/// <summary>Realistic CRM rows for a demo tenant, written as the application role under row-level security.</summary>
internal static class DemoCrmData
{
    private static readonly string[] Industries = ["Manufacturing", "Software", "Retail", "Healthcare", "Finance", "Logistics"];
    private static readonly string[] LeadStatuses = ["new", "contacted", "qualified", "unqualified", "converted"];
    private static readonly string[] Stages = ["prospecting", "qualification", "proposal", "negotiation", "won", "lost"];
    private static readonly string[] EventStatuses = ["tentative", "confirmed", "cancelled", "completed"];
    private static readonly string[] InvoiceStatuses = ["draft", "sent", "paid", "void"];
    private static readonly string[] TaskStatuses = ["open", "in_progress", "done"];

    public static async Task SeedAsync(string appConnectionString, string tenantId, int seed, CancellationToken cancellationToken)
    {
        var faker = new Faker { Random = new Randomizer(seed) };
        await using var dataSource = NpgsqlDataSource.Create(appConnectionString);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var setTenant = new NpgsqlCommand("SELECT set_config('app.tenant_id', @tenant, true)", connection))
        {
            setTenant.Parameters.AddWithValue("tenant", tenantId);
            await setTenant.ExecuteNonQueryAsync(cancellationToken);
        }

        var batch = new NpgsqlBatch(connection);
        await using (batch)
        {
            var accounts = Enumerable.Range(0, 25).Select(_ => Guid.CreateVersion7()).ToList();
            foreach (var id in accounts)
            {
                var company = faker.Company.CompanyName();
                Add(batch, "INSERT INTO crm.accounts (tenant_id, id, name, industry, website, phone, email) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    tenantId, id, company, faker.PickRandom(Industries), "https://" + faker.Internet.DomainName(), faker.Phone.PhoneNumber("+1 ###-###-####"), faker.Internet.Email(provider: faker.Internet.DomainName()));
            }

            for (var i = 0; i < 60; i++)
            {
                Add(batch, "INSERT INTO crm.contacts (tenant_id, first_name, last_name, email, phone, account_id) VALUES ($1, $2, $3, $4, $5, $6)",
                    tenantId, faker.Name.FirstName(), faker.Name.LastName(), faker.Internet.Email(), faker.Phone.PhoneNumber("+1 ###-###-####"), faker.PickRandom(accounts));
            }

            for (var i = 0; i < 40; i++)
            {
                Add(batch, "INSERT INTO crm.leads (tenant_id, first_name, last_name, company, email, status) VALUES ($1, $2, $3, $4, $5, $6)",
                    tenantId, faker.Name.FirstName(), faker.Name.LastName(), faker.Company.CompanyName(), faker.Internet.Email(), faker.PickRandom(LeadStatuses));
            }

            for (var i = 0; i < 30; i++)
            {
                Add(batch, "INSERT INTO crm.opportunities (tenant_id, name, account_id, stage, amount, close_date) VALUES ($1, $2, $3, $4, $5, $6)",
                    tenantId, faker.Commerce.ProductName() + " deal", faker.PickRandom(accounts), faker.PickRandom(Stages), Math.Round(faker.Random.Decimal(1_000, 250_000), 2), DateOnly.FromDateTime(faker.Date.Soon(120)));
            }

            for (var i = 0; i < 20; i++)
            {
                var starts = faker.Date.SoonOffset(60).ToUniversalTime();
                Add(batch, "INSERT INTO crm.events (tenant_id, name, starts_at, ends_at, account_id, status) VALUES ($1, $2, $3, $4, $5, $6)",
                    tenantId, faker.Company.CatchPhrase(), starts, starts.AddHours(faker.Random.Int(1, 4)), faker.PickRandom(accounts), faker.PickRandom(EventStatuses));
            }

            for (var i = 0; i < 30; i++)
            {
                Add(batch, "INSERT INTO crm.invoices (tenant_id, number, account_id, status, total, currency, due_date) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    tenantId, $"INV-{2026_0001 + i}", faker.PickRandom(accounts), faker.PickRandom(InvoiceStatuses), Math.Round(faker.Random.Decimal(100, 50_000), 2), faker.PickRandom("USD", "EUR", "GBP"), DateOnly.FromDateTime(faker.Date.Soon(45)));
            }

            for (var i = 0; i < 40; i++)
            {
                Add(batch, "INSERT INTO crm.tasks (tenant_id, title, status, due_at) VALUES ($1, $2, $3, $4)",
                    tenantId, faker.Hacker.Verb() + " " + faker.Hacker.Noun(), faker.PickRandom(TaskStatuses), faker.Date.SoonOffset(30).ToUniversalTime());
            }

            for (var i = 0; i < 40; i++)
            {
                Add(batch, "INSERT INTO crm.notes (tenant_id, body, account_id) VALUES ($1, $2, $3)",
                    tenantId, faker.Lorem.Paragraph(), faker.PickRandom(accounts));
            }

            await batch.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private static void Add(NpgsqlBatch batch, string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        batch.BatchCommands.Add(command);
    }
}
