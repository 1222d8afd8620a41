using System.CommandLine;

namespace OrleansTenants.Cli;

/// <summary><c>encryption</c>: re-encrypting the stored secrets.</summary>
internal sealed partial class CliCommands
{
    private Command Encryption()
    {
        var rotate = new Command("rotate", "Re-encrypt every stored secret under the silo's active encryption key.");
        Admin(rotate, async (s, _, ct) =>
        {
            var response = await s.Client.RotateEncryptionAsync(ct);
            if (s.Json)
            {
                return s.WriteJson(response.Json);
            }

            var r = response.Value;
            s.Out.WriteLine(
                $"Re-encrypted {r.DatabaseSecrets + r.TenantSecrets} value(s) under key {r.ActiveKeyId}: "
                + $"{r.DatabaseSecrets} database secret(s), {r.TenantSecrets} tenant secret(s).");
            return 0;
        });

        var encryption = new Command("encryption", "Encryption of the stored secrets.");
        encryption.Subcommands.Add(rotate);
        return encryption;
    }
}
