{
  motd = "web1: serves the public site";
  services = [ "nginx" ];
  deploy.tags = [ "web" ];
}
