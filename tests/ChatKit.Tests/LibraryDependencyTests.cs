namespace ChatKit.Tests;

public class LibraryDependencyTests
{
    [Test]
    public void The_protocol_library_depends_on_no_web_framework_database_or_model_client()
    {
        var references = typeof(ChatKitEngine).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        references.Should().NotContain(n => n.StartsWith("Microsoft.AspNetCore"));
        references.Should().NotContain(n => n.StartsWith("Microsoft.EntityFrameworkCore"));
        references.Should().NotContain(n => n.StartsWith("OpenAI") || n.StartsWith("Azure"));
        references.Should().Contain("System.Text.Json", "the check must see the real reference list");
    }
}
