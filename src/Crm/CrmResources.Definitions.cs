namespace OrleansTenants.Crm;

/// <summary>
/// The resources. Every resource also has id, createdAt and updatedAt (read-only; createdAt and updatedAt
/// sortable). Filterable: enums, references, email and a few natural keys (industry, number, currency, city);
/// sortable: names and titles, the natural dates. The default sort is createdAt, ascending.
/// </summary>
public static partial class CrmResources
{
    // Active ISO 4217 codes (the currencies, funds and precious metals of the 2025 list; not XTS or XXX).
    private const string Iso4217Codes =
        "AED|AFN|ALL|AMD|ANG|AOA|ARS|AUD|AWG|AZN|BAM|BBD|BDT|BGN|BHD|BIF|BMD|BND|BOB|BOV|BRL|BSD|BTN|BWP|BYN|BZD|" +
        "CAD|CDF|CHE|CHF|CHW|CLF|CLP|CNY|COP|COU|CRC|CUP|CVE|CZK|DJF|DKK|DOP|DZD|EGP|ERN|ETB|EUR|FJD|FKP|GBP|GEL|" +
        "GHS|GIP|GMD|GNF|GTQ|GYD|HKD|HNL|HTG|HUF|IDR|ILS|INR|IQD|IRR|ISK|JMD|JOD|JPY|KES|KGS|KHR|KMF|KPW|KRW|KWD|" +
        "KYD|KZT|LAK|LBP|LKR|LRD|LSL|LYD|MAD|MDL|MGA|MKD|MMK|MNT|MOP|MRU|MUR|MVR|MWK|MXN|MXV|MYR|MZN|NAD|NGN|NIO|" +
        "NOK|NPR|NZD|OMR|PAB|PEN|PGK|PHP|PKR|PLN|PYG|QAR|RON|RSD|RUB|RWF|SAR|SBD|SCR|SDG|SEK|SGD|SHP|SLE|SLL|SOS|" +
        "SRD|SSP|STN|SVC|SYP|SZL|THB|TJS|TMT|TND|TOP|TRY|TTD|TWD|TZS|UAH|UGX|USD|USN|UYI|UYU|UYW|UZS|VED|VES|VND|" +
        "VUV|WST|XAF|XAG|XAU|XBA|XBB|XBC|XBD|XCD|XCG|XDR|XOF|XPD|XPF|XPT|XSU|XUA|YER|ZAR|ZMW|ZWG|ZWL";

    private static IEnumerable<ResourceDefinition> Definitions()
    {
        yield return new ResourceDefinition("accounts", "account", "accounts",
        [
            Text("name", 200, required: true, sortable: true),
            Text("industry", 100, filterable: true),
            Text("website", 2048),
            Text("phone", 50),
            Text("email", 320, filterable: true),
            Text("description", 10_000),
            Text("billingAddressLine1", 200),
            Text("billingAddressLine2", 200),
            Text("billingCity", 100),
            Text("billingRegion", 100),
            Text("billingPostalCode", 20),
            Text("billingCountry", 100),
        ]);

        yield return new ResourceDefinition("contacts", "contact", "contacts",
        [
            Text("firstName", 200, required: true),
            Text("lastName", 200, required: true, sortable: true),
            Text("email", 320, filterable: true),
            Text("phone", 50),
            Text("title", 200),
            Reference("accountId", "accounts"),
        ]);

        yield return new ResourceDefinition("contact-accounts", "contact-account link", "contact_accounts",
            [
                Reference("contactId", "contacts", required: true),
                Reference("accountId", "accounts", required: true),
                Text("role", 100, description: "The contact's role at the account."),
                Boolean("isPrimary", defaulted: true, filterable: true, description: "Defaults to false."),
            ],
            uniqueKeys: [new UniqueKeyDefinition("contact_accounts_contact_account_key", "accountId", "this contact is already linked to this account")]);

        yield return new ResourceDefinition("leads", "lead", "leads",
        [
            Text("firstName", 200),
            Text("lastName", 200, required: true, sortable: true),
            Text("company", 200),
            Text("email", 320, filterable: true),
            Text("phone", 50),
            Text("title", 200),
            Text("source", 100, filterable: true),
            Enum("status", ["new", "contacted", "qualified", "unqualified", "converted"], defaulted: true, description: "Defaults to new."),
        ]);

        yield return new ResourceDefinition("opportunities", "opportunity", "opportunities",
        [
            Text("name", 200, required: true, sortable: true),
            Reference("accountId", "accounts"),
            Enum("stage", ["prospecting", "qualification", "proposal", "negotiation", "won", "lost"], defaulted: true, description: "Defaults to prospecting."),
            Money("amount"),
            Date("closeDate", sortable: true),
            Integer("probability", 0, 100, description: "Percent, 0-100."),
            Text("description", 10_000),
        ]);

        yield return new ResourceDefinition("opportunity-line-items", "opportunity line item", "opportunity_line_items",
        [
            Reference("opportunityId", "opportunities", required: true),
            Text("productName", 200, required: true),
            Text("description", 10_000),
            new FieldDefinition("quantity", "quantity", CrmFieldType.Decimal)
            {
                Nullable = false,
                Minimum = 0,
                ExclusiveMinimum = true,
                Maximum = 99_999_999_999.999m,
                Scale = 3,
                Description = "Greater than 0, up to 3 decimals; defaults to 1.",
            },
            Money("unitPrice", defaulted: true, description: "Defaults to 0."),
            Integer("sortOrder", 0, int.MaxValue, defaulted: true, sortable: true, description: "Position in the opportunity; defaults to 0."),
        ]);

        yield return new ResourceDefinition("locations", "location", "locations",
        [
            Text("name", 200, required: true, sortable: true),
            Text("addressLine1", 200),
            Text("addressLine2", 200),
            Text("city", 100, filterable: true),
            Text("region", 100),
            Text("postalCode", 20),
            Text("country", 100),
            Reference("accountId", "accounts"),
        ]);

        yield return new ResourceDefinition("events", "event", "events",
            [
                Text("name", 200, required: true, sortable: true),
                Text("description", 10_000),
                Timestamp("startsAt", required: true, sortable: true),
                Timestamp("endsAt", description: "Not before startsAt."),
                Reference("accountId", "accounts"),
                Reference("locationId", "locations"),
                Enum("status", ["tentative", "confirmed", "cancelled", "completed"], defaulted: true, description: "Defaults to tentative."),
            ],
            rules: [new NotBeforeRule("endsAt", "startsAt") { ConstraintName = "events_ends_after_starts" }]);

        yield return new ResourceDefinition("event-dates", "event date", "event_dates",
            [
                Reference("eventId", "events", required: true),
                Timestamp("startsAt", required: true, sortable: true),
                Timestamp("endsAt", description: "Not before startsAt."),
            ],
            rules: [new NotBeforeRule("endsAt", "startsAt") { ConstraintName = "event_dates_ends_after_starts" }]);

        yield return new ResourceDefinition("tasks", "task", "tasks",
        [
            Text("title", 200, required: true, sortable: true),
            Text("description", 10_000),
            Enum("status", ["open", "in_progress", "done"], defaulted: true, description: "Defaults to open."),
            Enum("priority", ["low", "normal", "high"], defaulted: true, description: "Defaults to normal."),
            Timestamp("dueAt", sortable: true),
            Reference("accountId", "accounts"),
            Reference("contactId", "contacts"),
        ]);

        yield return new ResourceDefinition("notes", "note", "notes",
        [
            Text("title", 200, sortable: true),
            Text("body", 10_000, required: true),
            Reference("accountId", "accounts"),
            Reference("contactId", "contacts"),
        ]);

        yield return new ResourceDefinition("communications", "communication", "communications",
        [
            Enum("channel", ["email", "call", "meeting", "sms"], required: true),
            Enum("direction", ["inbound", "outbound"], required: true),
            Text("subject", 500),
            Text("body", 10_000),
            Timestamp("occurredAt", defaulted: true, sortable: true, description: "Defaults to the time of the request."),
            Reference("contactId", "contacts"),
            Reference("accountId", "accounts"),
        ]);

        yield return new ResourceDefinition("invoices", "invoice", "invoices",
            [
                Text("number", 50, required: true, filterable: true, sortable: true, description: "Unique per tenant."),
                Reference("accountId", "accounts"),
                Enum("status", ["draft", "sent", "paid", "void"], defaulted: true, description: "Defaults to draft."),
                Money("total", defaulted: true, description: "At least 0; defaults to 0."),
                new FieldDefinition("currency", "currency", CrmFieldType.String)
                {
                    Nullable = false,
                    MinLength = 3,
                    MaxLength = 3,
                    Pattern = $"^(?:{Iso4217Codes})$",
                    PatternDescription = "an active ISO 4217 currency code in upper case, such as USD",
                    Filterable = true,
                    Description = "ISO 4217 code; defaults to USD.",
                },
                Date("issueDate"),
                Date("dueDate", sortable: true),
            ],
            uniqueKeys: [new UniqueKeyDefinition("invoices_tenant_number_key", "number", "an invoice with this number already exists in this tenant")]);

        yield return new ResourceDefinition("payments", "payment", "payments",
        [
            Reference("invoiceId", "invoices", required: true),
            Money("amount", required: true, positive: true, description: "Greater than 0."),
            Timestamp("paidAt", defaulted: true, sortable: true, description: "Defaults to the time of the request."),
            Enum("method", ["card", "bank_transfer", "cash", "check", "other"]),
            Text("reference", 200),
        ]);
    }
}
