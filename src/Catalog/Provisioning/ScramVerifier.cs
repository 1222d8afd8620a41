using System.Security.Cryptography;
using System.Text;

namespace OrleansTenants.Catalog.Provisioning;

/// <summary>
/// A SCRAM-SHA-256 verifier (RFC 5803, as PostgreSQL stores it) computed here, so that <c>CREATE ROLE ... PASSWORD</c>
/// sends the verifier and never the password: a statement log or pg_stat_statements then holds nothing reusable.
/// </summary>
internal static class ScramVerifier
{
    private const int Iterations = 4096;
    private const int SaltBytes = 16;

    public static string Create(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, Iterations, HashAlgorithmName.SHA256, 32);
        var storedKey = SHA256.HashData(HMACSHA256.HashData(salted, "Client Key"u8));
        var serverKey = HMACSHA256.HashData(salted, "Server Key"u8);
        return $"SCRAM-SHA-256${Iterations}:{Convert.ToBase64String(salt)}${Convert.ToBase64String(storedKey)}:{Convert.ToBase64String(serverKey)}";
    }
}
