{
  motd = "web2: serves the public site";
  services = [ "nginx" ];
  deploy.tags = [ "web" ];
}
