using System.Text.RegularExpressions;
using System.Xml.Linq;
using FluentAssertions;
using OrleansTenants.TestSupport;
using Xunit;

namespace OrleansTenants.Silo.Tests;

/// <summary>The README's diagram of the projects is what the <c>.csproj</c> files say, and the references form layers.</summary>
public sealed partial class ProjectReferencesTests
{
    [Fact]
    public void The_readme_diagram_lists_exactly_the_project_references_of_src()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryFiles.Root, "README.md"));
        var diagram = MermaidBlock().Match(readme);
        diagram.Success.Should().BeTrue("README.md has a mermaid diagram of the projects");
        var drawn = Edge().Matches(diagram.Groups[1].Value).Select(m => $"{m.Groups[1].Value} -> {m.Groups[2].Value}");

        ProjectReferences().Select(r => $"{r.From} -> {r.To}").Should().BeEquivalentTo(drawn);
    }

    [Fact]
    public void Every_reference_points_to_a_lower_layer()
    {
        var references = ProjectReferences();
        var layers = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var project in references.Select(r => r.From).Concat(references.Select(r => r.To)).Distinct())
        {
            Layer(project, references, layers, []);
        }

        references.Should().OnlyContain(r => layers[r.From] > layers[r.To]);
    }

    private static int Layer(string project, IReadOnlyList<(string From, string To)> references, Dictionary<string, int> layers, HashSet<string> path)
    {
        if (layers.TryGetValue(project, out var known))
        {
            return known;
        }

        path.Add(project).Should().BeTrue($"the references through {string.Join(", ", path)} form a loop");
        var layer = references.Where(r => r.From == project).Select(r => Layer(r.To, references, layers, path) + 1).DefaultIfEmpty(0).Max();
        path.Remove(project);
        return layers[project] = layer;
    }

    private static List<(string From, string To)> ProjectReferences() =>
    [
        .. Directory.GetFiles(Path.Combine(RepositoryFiles.Root, "src"), "*.csproj", SearchOption.AllDirectories)
            .SelectMany(file => XDocument.Load(file).Descendants("ProjectReference")
                .Select(reference => (
                    From: Path.GetFileNameWithoutExtension(file),
                    To: Path.GetFileNameWithoutExtension(reference.Attribute("Include")!.Value)))),
    ];

    [GeneratedRegex(@"```mermaid\s*\nflowchart TD\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex MermaidBlock();

    [GeneratedRegex(@"^\s*(\w+) --> (\w+)\s*$", RegexOptions.Multiline)]
    private static partial Regex Edge();
}
