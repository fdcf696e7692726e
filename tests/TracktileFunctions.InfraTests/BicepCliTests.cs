namespace TracktileFunctions.InfraTests;

/// <summary>infra/main.bicep compiles and lints with no warning and no error (type problems are warnings with exit 0).</summary>
public class BicepCliTests
{
    [Fact]
    public async Task Build_MainBicep_ExitsZeroWithoutDiagnostics()
    {
        var run = await CompiledTemplate.BuildRunAsync();

        Assert.True(run.ExitCode == 0, run.Describe());
        var diagnostics = BicepRun.Diagnostics(run.StandardError);
        Assert.True(diagnostics.Count == 0, "bicep build reported:\n" + string.Join('\n', diagnostics));
        Assert.StartsWith("{", run.StandardOutput.TrimStart(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lint_MainBicep_ExitsZeroWithoutDiagnostics()
    {
        var run = await BicepCli.RunAsync("lint", CompiledTemplate.MainBicep);

        Assert.True(run.ExitCode == 0, run.Describe());
        var diagnostics = BicepRun.Diagnostics(run.StandardOutput + "\n" + run.StandardError);
        Assert.True(diagnostics.Count == 0, "bicep lint reported:\n" + string.Join('\n', diagnostics));
    }

    [Fact]
    public async Task Lint_TemplateWithUnknownProperty_PrintsWarningThatTheChecksCatch()
    {
        // Proves the two tests above can fail: a type problem exits 0 and is only visible as a printed warning.
        var dir = Directory.CreateTempSubdirectory("infra-tests-");
        try
        {
            var file = Path.Combine(dir.FullName, "broken.bicep");
            await File.WriteAllTextAsync(file, """
                param location string = resourceGroup().location

                resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
                  name: 'stbroken${uniqueString(resourceGroup().id)}'
                  location: location
                  kind: 'StorageV2'
                  sku: { name: 'Standard_LRS' }
                  properties: { notARealProperty: true }
                }
                """);

            var run = await BicepCli.RunAsync("lint", file);

            Assert.True(run.ExitCode == 0, run.Describe());
            Assert.Contains(BicepRun.Diagnostics(run.StandardOutput + "\n" + run.StandardError), d => d.Contains("notARealProperty", StringComparison.Ordinal));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
