using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;
using TracktileFunctions;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddTracktileFunctions(builder.Configuration);
builder.Services.AddAppOpenTelemetry(builder.Configuration); // docs/telemetry.md
builder.Build().Run();
