using ChatKitServer.Hosting;

namespace ChatKitServer.Tests;

/// <summary>Which web root a server takes (the published server itself is started in Packages.Tests' PublishedServerTests).</summary>
public class PublishedWebRootTests
{
    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("chatkit-webroot-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    private string Folder(string name, bool withWebRoot)
    {
        var path = Path.Combine(_folder, name);
        Directory.CreateDirectory(withWebRoot ? Path.Combine(path, "wwwroot") : path);
        return path;
    }

    [Test]
    public void Started_elsewhere_a_published_server_takes_the_wwwroot_beside_its_binaries()
    {
        var binaries = Folder("published", withWebRoot: true);
        PublishedWebRoot.Find([], Folder("data", withWebRoot: false), binaries).Should().Be(Path.Combine(binaries, "wwwroot"));
    }

    [Test]
    public void A_working_directory_with_its_own_wwwroot_keeps_it()
    {
        PublishedWebRoot.Find([], Folder("project", withWebRoot: true), Folder("published", withWebRoot: true)).Should().BeNull("dotnet run: the project folder's wwwroot");
    }

    [Test]
    public void A_build_without_wwwroot_beside_it_keeps_the_hosts_choice()
    {
        PublishedWebRoot.Find([], Folder("data", withWebRoot: false), Folder("bin", withWebRoot: false)).Should().BeNull();
    }

    [TestCase("--contentRoot=/srv/chatkit")]
    [TestCase("--webroot")]
    public void A_root_the_operator_chose_is_left_alone(string argument)
    {
        PublishedWebRoot.Find([argument, "/srv"], Folder("data", withWebRoot: false), Folder("published", withWebRoot: true)).Should().BeNull();
    }
}
